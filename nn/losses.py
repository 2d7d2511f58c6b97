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

For the two-class losses the model outputs one score s, and the predicted
class is 1 when s > 0.
"""

import math
from numbers import Real

from autograd.engine import Value


def mse(outputs, targets):
    """Mean squared error: (1/N) sum_i (output_i - target_i)**2.

    With several outputs per sample the squares of all outputs are averaged.
    d/d(output_i) = 2 (output_i - target_i) / N.
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
        -t log p - (1 - t) log(1 - p) = log(1 + e**z) - t z,
    for t in {0, 1} the same as log(1 + e**(-y z)) with y = 2t - 1. It is
    computed as max(z, 0) + log(1 + e**(-|z|)) - t z, which only ever
    exponentiates a non-positive number, so it cannot overflow however large
    the logit. d/dz = sigmoid(z) - t.
    """
    logits, targets = _batch('binary_cross_entropy', logits, targets)
    probabilities = _zero_one_targets('binary_cross_entropy', targets)
    terms = []
    for z, t in zip(logits, probabilities):
        z = _scalar('binary_cross_entropy', z)
        # -|z|, and max(z, 0), chosen by the sign of z: both branches are exact.
        if z.data > 0.0:
            minus_abs, positive_part = -z, z
        else:
            minus_abs, positive_part = z, None
        softplus = (minus_abs.exp() + 1.0).log()
        if positive_part is not None:
            softplus = softplus + positive_part
        terms.append(softplus - z * t if t else softplus)
    return _mean(terms)


bce = binary_cross_entropy


def cross_entropy(logits, targets):
    """Softmax cross-entropy for K classes, with log-sum-exp:
    (1/N) sum_i [log sum_k e**z_ik - z_i,target_i].

    The largest logit m is subtracted first (as a plain number: the result
    does not depend on it), log sum_k e**z_k = m + log sum_k e**(z_k - m),
    so no exponential overflows. d/dz_ik = (softmax(z_i)_k - [k == target_i]) / N.
    """
    if isinstance(targets, int) and not isinstance(targets, bool):
        logits, targets = [logits], [targets]  # one sample: a row of K logits and its class
    logits, targets = _batch('cross_entropy', logits, targets)
    terms = []
    for row, target in zip(logits, targets):
        if not isinstance(row, (list, tuple)) or len(row) < 2:
            raise ValueError(f'cross_entropy: each output must be a list of K >= 2 logits, got {row!r}')
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(row):
            raise ValueError(f'cross_entropy: targets must be class indices 0..{len(row) - 1}, '
                             f'got {target!r}')
        row = [_scalar('cross_entropy', z) for z in row]
        shift = max(z.data for z in row)
        total = sum((z - shift).exp() for z in row)
        terms.append(total.log() + shift - row[target])
    return _mean(terms)


def l2_penalty(parameters, alpha=1e-4):
    """alpha * sum_p p**2, the weight-decay term added to a loss;  d/dp = 2 alpha p."""
    if hasattr(parameters, 'parameters'):
        parameters = parameters.parameters()
    if not isinstance(alpha, Real) or isinstance(alpha, bool) or not alpha >= 0:
        raise ValueError(f'l2_penalty: alpha must be a number >= 0, got {alpha!r}')
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
    if isinstance(x, bool) or not isinstance(x, Real) or math.isnan(x):
        raise ValueError(f'{loss}: targets must be numbers, got {x!r}')
    return float(x)


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
