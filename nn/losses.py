"""Loss functions: model outputs and targets in, one `Value` out.

Every loss is the mean over the samples of a per-sample loss, built from the
engine's primitives, so `loss.backward()` differentiates it. `outputs` is a
list with one model output per sample (a `Value`, or a list of Values for a
model with several outputs); a single output with a single target is taken
as a batch of one.

Target conventions (each loss checks its targets and says what it wants):

* `mse`: real numbers (or lists of them, one per output).
* `hinge`: labels in {-1, +1}; class indices {0, 1} are accepted and mapped
  0 -> -1, 1 -> +1.
* `binary_cross_entropy`: class indices {0, 1} (or probabilities in [0, 1]);
  labels in {-1, +1} are accepted and mapped -1 -> 0.
* `cross_entropy`: class indices 0..K-1 for K logits per sample.

For the two-class losses (BINARY) the model outputs one score s, and the
predicted class is 1 when s > 0.

For a classifier of class indices 0..K-1, `for_classes` picks the loss
('auto': hinge for 2 classes, cross_entropy for more), `num_outputs` says
how many outputs the model needs and `class_targets` turns the indices into
the targets that loss wants; `fit` and `python -m nn train` use them.
"""

from autograd._validate import check_int, check_real
from autograd.engine import Value, exp, log, maximum, softplus


def mse(outputs, targets):
    """Mean squared error over all N*K numbers, for N samples of K outputs
    each (K = 1 for a model with one output):
        (1/(N K)) sum_i sum_k (output_ik - target_ik)**2,
        d/d(output_ik) = 2 (output_ik - target_ik) / (N K).
    """
    outputs, targets = _batch('mse', outputs, targets)
    squares = []
    for output, target in zip(outputs, targets):
        if isinstance(output, (list, tuple)):
            if not isinstance(target, (list, tuple)) or len(target) != len(output):
                raise ValueError(f'mse: an output of {len(output)} values needs a target of '
                                 f'{len(output)} numbers, got {target!r}')
            pairs = zip(output, target)
        else:
            pairs = ((output, target),)
        for out, want in pairs:
            if not isinstance(want, Value):
                want = _number('mse', want)
            diff = out - want
            squares.append(diff * diff)
    return _mean(squares)


def hinge(scores, targets):
    """Hinge (max-margin) loss, as in micrograd's demo:
    (1/N) sum_i max(0, 1 - y_i s_i),  y_i in {-1, +1}.

    d/ds_i = -y_i / N where the margin y_i s_i is below 1, else 0.
    Class indices {0, 1} are mapped to -1, +1.
    """
    scores, targets = _batch('hinge', scores, targets)
    signs = _plus_minus_labels('hinge', targets)
    # s * -y + 1 rather than 1 - y * s: two nodes before the relu instead of three.
    return _mean([(_scalar('hinge', s) * -y + 1.0).relu() for s, y in zip(scores, signs)])


def binary_cross_entropy(logits, targets):
    """Binary cross-entropy on logits (the logistic loss), computed stably.

    With p = sigmoid(z), the loss of one sample with target t in [0, 1] is
        -t log p - (1 - t) log(1 - p) = softplus(z) - t z,
    with softplus(z) = log(1 + e**z); for t in {0, 1} the same as
    log(1 + e**(-y z)) with y = 2t - 1. The engine's `softplus` never
    overflows however large the logit. One sample's loss has
    d/dz = sigmoid(z) - t, so the mean over N samples has
    d/dz_i = (sigmoid(z_i) - t_i) / N.
    """
    logits, targets = _batch('binary_cross_entropy', logits, targets)
    probabilities = _zero_one_targets('binary_cross_entropy', targets)
    terms = []
    for z, t in zip(logits, probabilities):
        z = _scalar('binary_cross_entropy', z)
        # No node for t z where t is 0: the graph depends on the targets, never on z.
        terms.append(softplus(z) - z * t if t else softplus(z))
    return _mean(terms)


bce = binary_cross_entropy


def cross_entropy(logits, targets):
    """Softmax cross-entropy for K classes: the mean over the N samples of
    `row_cross_entropy` (-log softmax(z_i)[target_i]),
        (1/N) sum_i [log sum_k e**z_ik - z_i,target_i],
        d/dz_ik = (softmax(z_i)_k - [k == target_i]) / N.
    """
    if isinstance(targets, int) and not isinstance(targets, bool):
        logits, targets = [logits], [targets]  # one sample: a row of K logits and its class
    logits, targets = _batch('cross_entropy', logits, targets)
    terms = []
    for row, target in zip(logits, targets):
        if not isinstance(row, (list, tuple)) or len(row) < 2:
            raise ValueError(f'cross_entropy: each output must be a list of K >= 2 logits, got {row!r}')
        check_int('cross_entropy', 'a target (a class index)', target, minimum=0, maximum=len(row) - 1)
        terms.append(row_cross_entropy([_scalar('cross_entropy', z) for z in row], target))
    return _mean(terms)


def row_cross_entropy(logits, target):
    """One sample's softmax cross-entropy, with log-sum-exp:
        -log softmax(logits)[target] = log(sum_j exp(l_j - m)) - (l_target - m).

    m is `autograd.maximum(*logits)`: subtracting it changes nothing
    mathematically and keeps exp from overflowing, and as a node of the
    graph (not a number read from `.data`) it leaves the graph the same
    whatever the numbers, so a traced step can replay it (`nn.fit`,
    `nn.gpt.train`). `target` is a class index, or a one-hot row (then
    l_target - m is the row's dot product with the shifted logits, as a
    traced program that takes its tokens as numbers needs). Not checked:
    `cross_entropy` checks its arguments and averages this over a batch;
    `nn.GPT.loss` calls it once per position.
    """
    top = maximum(*logits)
    shifted = [logit - top for logit in logits]
    exps = [exp(s) for s in shifted]
    if isinstance(target, int):
        picked = shifted[target]
    else:
        products = [t * s for t, s in zip(target, shifted)]
        picked = sum(products[1:], products[0])
    return log(sum(exps[1:], exps[0])) - picked


def l2_penalty(parameters, alpha=1e-4):
    """alpha * sum_p p**2, the weight-decay term added to a loss;  d/dp = 2 alpha p."""
    if hasattr(parameters, 'parameters'):
        parameters = parameters.parameters()
    check_real('l2_penalty', 'alpha', alpha, minimum=0.0, finite=False)
    return alpha * sum(p * p for p in parameters)


# The names `fit` and the command line accept.
LOSSES = {
    'hinge': hinge,
    'bce': binary_cross_entropy,
    'mse': mse,
    'cross_entropy': cross_entropy,
}


def get(name):
    """The loss function called `name` (one of LOSSES)."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f'unknown loss {name!r}; choose one of {", ".join(LOSSES)}') from None


# --------------------------------------------------------------------------
# Classifiers: which loss, how many outputs, which targets for class indices

# The two-class losses: the model outputs one score per sample, and the
# predicted class is 1 where the score is > 0.
BINARY = ('hinge', 'bce')


def for_classes(name, classes):
    """The loss to train a classifier of `classes` classes with: 'auto' is
    hinge for 2 classes and cross_entropy for more; any other name is
    checked to suit that many classes."""
    if name == 'auto':
        return 'hinge' if classes <= 2 else 'cross_entropy'
    get(name)
    if name in BINARY and classes > 2:
        raise ValueError(f'loss {name!r} is for 2 classes, but there are {classes}; '
                         f'use cross_entropy or mse')
    return name


def num_outputs(name, classes):
    """How many outputs a classifier trained with loss `name` ('auto' too)
    needs: one score for the two-class losses and for mse on 2 classes, one
    per class otherwise."""
    name = for_classes(name, classes)
    if name in BINARY or (name == 'mse' and classes <= 2):
        return 1
    return max(classes, 2)


def class_targets(name, y, outputs):
    """The targets loss `name` wants for class indices `y`, from a model
    with `outputs` outputs: the indices themselves for hinge, bce and
    cross_entropy; for mse, -1/+1 for one output or one-hot rows for several.
    Raises ValueError if the model's outputs cannot fit that many classes."""
    classes = max(y) + 1
    name = for_classes(name, classes)
    if name in BINARY:
        if outputs != 1:
            raise ValueError(f'loss {name!r} needs a model with 1 output, this one has {outputs}')
        return list(y)
    if name == 'cross_entropy':
        if outputs < classes or outputs < 2:
            raise ValueError(f'cross_entropy needs a model with one output per class '
                             f'(at least {max(classes, 2)}), this one has {outputs}')
        return list(y)
    if outputs == 1:
        if classes > 2:
            raise ValueError(f'mse with 1 output is for 2 classes, but y has {classes}')
        return [2.0 * label - 1.0 for label in y]
    if outputs < classes:
        raise ValueError(f'mse with {outputs} outputs cannot fit {classes} classes')
    return [[1.0 if k == label else 0.0 for k in range(outputs)] for label in y]


# --------------------------------------------------------------------------
# Helpers


def _batch(loss, outputs, targets):
    """outputs and targets as equal-length lists; a lone output is a batch of one."""
    if isinstance(outputs, Value):
        outputs, targets = [outputs], [targets]
    try:
        outputs, targets = list(outputs), list(targets)
    except TypeError:
        raise TypeError(f'{loss}: outputs and targets must be lists, got '
                        f'{type(outputs).__name__} and {type(targets).__name__}') from None
    if len(outputs) != len(targets):
        raise ValueError(f'{loss}: {len(outputs)} outputs but {len(targets)} targets')
    if not outputs:
        raise ValueError(f'{loss}: no samples (empty outputs)')
    return outputs, targets


def _mean(terms):
    return sum(terms) / len(terms)


def _scalar(loss, output):
    if isinstance(output, Value):
        return output
    if isinstance(output, (list, tuple)):
        raise ValueError(f'{loss}: expects one output per sample, got a list of {len(output)}')
    return Value(_number(loss, output))


def _number(loss, x):
    return check_real(loss, 'a target', x, finite=False)


def _plus_minus_labels(loss, targets):
    values = {_number(loss, t) for t in targets}
    if values <= {-1.0, 1.0}:
        return [float(t) for t in targets]
    if values <= {0.0, 1.0}:
        return [2.0 * t - 1.0 for t in targets]
    raise ValueError(f'{loss}: targets must be labels in {{-1, +1}} (or class indices {{0, 1}}), '
                     f'got {sorted(values)[:5]}')


def _zero_one_targets(loss, targets):
    values = {_number(loss, t) for t in targets}
    if all(0.0 <= t <= 1.0 for t in values):
        return [float(t) for t in targets]
    if values <= {-1.0, 1.0}:
        return [(t + 1.0) / 2.0 for t in targets]
    raise ValueError(f'{loss}: targets must be in [0, 1] (or labels in {{-1, +1}}), '
                     f'got {sorted(values)[:5]}')
