"""Training and evaluation: `fit`, `predict`, `accuracy`.

A training step is the whole of backprop on a dataset:

    outputs = [model(x) for x in batch]          # forward: builds the graph
    loss = loss_fn(outputs, targets) + l2        # one Value at the root
    optimizer.zero_grad(); loss.backward()       # the chain rule, node by node
    optimizer.step()                             # move every weight downhill

`fit` runs that loop with a progress bar and records the loss and accuracy
of every step.

Where the graph cannot depend on the data, `fit` records it once with
`autograd.trace` and replays it every step (about 3x faster for
`python -m nn train`, the same floats bit for bit); see `_replayable`.
"""

import math
import random
import time
from dataclasses import dataclass, field

from autograd._validate import check_int, check_real, is_real
from autograd.engine import Value, no_grad
from autograd.graph import cyclic_gc_paused
from autograd.trace import trace

from . import losses as _losses
from . import optim as _optim
from .datasets import num_classes
from .memory import TooLargeError, check_fits, estimate  # noqa: F401 (TooLargeError: fit raises it)
from .module import MLP, Layer, Neuron


@dataclass(repr=False)
class History:
    """What `fit` records, one entry per step: `loss` (including the L2
    term), `accuracy` (of that step's forward pass on its batch, before the
    update) and `lr`. `final_accuracy` and `final_loss` (with the L2 term)
    are measured on the whole dataset after the last update, under `no_grad`. `seconds` is the
    wall time of the training loop. Also readable as a dict: `history['loss']`.

    With held-out data (`fit(..., validation=...)`), `val_loss` and
    `val_accuracy` hold the same measures on the held-out points, per step
    at the weights the step's own loss was measured at, and
    `final_val_loss`, `final_val_accuracy` after the last update; without,
    the lists are empty and the finals None.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    final_loss: float = None
    final_accuracy: float = None
    seconds: float = 0.0
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    final_val_loss: float = None
    final_val_accuracy: float = None

    @property
    def steps(self):
        return len(self.loss)

    def __getitem__(self, key):
        return self.as_dict()[key]

    def keys(self):
        return self.as_dict().keys()

    def as_dict(self):
        return {'loss': self.loss, 'accuracy': self.accuracy, 'lr': self.lr,
                'final_loss': self.final_loss, 'final_accuracy': self.final_accuracy,
                'val_loss': self.val_loss, 'val_accuracy': self.val_accuracy,
                'final_val_loss': self.final_val_loss, 'final_val_accuracy': self.final_val_accuracy,
                'seconds': self.seconds}

    def __repr__(self):
        if not self.loss:
            return 'History(0 steps)'
        held_out = (f', held-out {_percent(self.final_val_accuracy)}'
                    if self.final_val_accuracy is not None else '')
        return (f'History({self.steps} steps, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, '
                f'final accuracy {_percent(self.final_accuracy)}{held_out}, {self.seconds:.2f} s)')


def fit(model, X, y, loss='hinge', optimizer='adam', steps=100, batch_size=None, lr=None,
        l2=1e-4, seed=0, progress=True, callback=None, validation=None):
    """Train `model` on points `X` with class indices `y`; return a `History`.

    loss: a name, 'hinge' (default, micrograd's demo), 'bce', 'mse',
      'cross_entropy' or 'auto' (hinge for 2 classes, cross_entropy for
      more), or a function `loss(outputs, targets) -> Value`.
      `y` holds class indices 0..K-1. Named losses take them as they are
      (hinge maps 0/1 to -1/+1 itself); 'mse' regresses one output to -1/+1
      or K outputs to one-hot rows (see `nn.losses.class_targets`). A loss
      function gets `y` unchanged.
    optimizer: 'adam' (default) or 'sgd', built on the model's parameters
      with learning rate `lr`, or an optimizer object (then `lr` must be
      None). Default lr: for 'adam' 0.05, for 'sgd' micrograd's linear decay
      from 1.0 to 0.1 over the steps. `lr` may be a schedule (see nn.optim).
    steps: number of updates. batch_size: None for the whole dataset every
      step, else a random batch of that size (drawn from random.Random(seed)).
    l2: the weight of the L2 penalty l2 * sum(p**2) added to the loss (0 for none).
    progress: show a tqdm progress bar with the live loss and accuracy.
    callback: called as callback(step, history) after every step.
    validation: held-out points and labels (X_val, y_val), never trained
      on: their loss (the training loss's kind, without the L2 term) and
      accuracy go into history.val_loss and val_accuracy every step, under
      `no_grad` (see nn/validation.py; nn.split makes such a pair).

    Python's cyclic garbage collector is paused during each step (the engine
    frees graphs by reference counting, and the collector would otherwise
    keep scanning the tens of thousands of fresh nodes); the caller's GC
    state is restored after every step, also on error.

    With the whole dataset every step, an `nn` model and a built-in loss
    (by name), the step's graph is the same every time, so `fit` traces it once
    (autograd.trace) and replays it: the same losses and weights, bit for
    bit, several times faster.

    For an nn model, the memory a step needs is estimated first (see
    `estimate`); more than the system has available raises TooLargeError
    (a ValueError) before anything is built.
    """
    X, y = _check_data('fit', X, y)
    check_int('fit', 'steps', steps, minimum=1)
    if batch_size is not None:
        check_int('fit', 'batch_size', batch_size, minimum=1, maximum=len(X))
    check_real('fit', 'l2', l2, minimum=0.0)
    loss_fn, targets = _loss_and_targets(loss, y, model)
    replayed = _replayable(model, loss, y, batch_size)
    sizes = _layer_sizes(model)
    if sizes is not None:  # refused here, not with a MemoryError some steps in
        check_fits('fit', estimate(sizes, batch_size or len(X), traced=replayed))
    optimizer = _make_optimizer(optimizer, model, lr, steps)
    parameters = model.parameters()
    rng = random.Random(seed)
    everything = list(range(len(X)))
    held_out = None
    if validation is not None:
        from .validation import HeldOut  # here: validation.py imports this module

        held_out = HeldOut(validation, loss, y, model)

    if replayed:
        replayed_step = _ReplayedStep(model, X, targets, loss_fn, parameters, l2)
    else:
        replayed_step = None

    history = History()
    bar = progress_bar(steps) if progress else None
    started = time.perf_counter()
    try:
        for step in range(steps):
            batch = everything if batch_size is None else rng.sample(everything, batch_size)
            history.lr.append(optimizer.lr)  # before the step moves a schedule on
            if held_out is not None:  # at the weights this step's own loss is measured at
                val_loss, val_accuracy = held_out.score(model)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            with cyclic_gc_paused():
                if replayed_step is not None:
                    loss_data, predicted = replayed_step(optimizer)
                else:
                    loss_data, predicted = train_step(model, [X[i] for i in batch], [targets[i] for i in batch],
                                                      loss_fn, parameters, l2, optimizer)
            history.loss.append(loss_data)
            history.accuracy.append(_fraction_right(predicted, [y[i] for i in batch]))
            if bar is not None:
                _show_progress(bar, history)
            if callback is not None:
                callback(step, history)
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - started

    history.final_loss, history.final_accuracy = evaluate(model, X, y, loss_fn, targets, parameters, l2)
    if held_out is not None:
        history.final_val_loss, history.final_val_accuracy = held_out.score(model)
    return history


def replays(loss, batch_size):
    """Whether `fit` replays a traced step for an nn model trained with the
    loss named `loss` (after 'auto' is resolved) and `batch_size`: the
    whole dataset every step. Every built-in loss builds a graph that never
    looks at `.data` (cross_entropy shifts by the node `maximum(*logits)`,
    binary cross-entropy uses the engine's `softplus`), so the loss does
    not matter."""
    return batch_size is None and loss in _losses.LOSSES


def _layer_sizes(model):
    """[inputs, layer sizes...] of an MLP, Layer or Neuron; None for another model."""
    if isinstance(model, MLP):
        return [model.nin, *model.nouts]
    if isinstance(model, Layer):
        return [model.nin, model.nout]
    if isinstance(model, Neuron):
        return [model.nin, 1]
    return None


def train_step(model, points, targets, loss_fn, parameters, l2, optimizer):
    """One update on a batch, the four lines of this module's docstring.

    `model` is called on each point (any callable: the playground passes
    one that also keeps the hidden layers' outputs). Returns the loss (a
    float, with the L2 term) and the class each output predicted; the
    step's graph is freed, by reference counting, when this returns.
    """
    outputs = [model(x) for x in points]
    loss = _regularised(loss_fn(outputs, targets), parameters, l2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data, [predicted_class(output) for output in outputs]


def evaluate(model, X, y, loss_fn, targets, parameters, l2):
    """(loss with the L2 term, accuracy) of `model` on the whole dataset,
    under `no_grad`: no graph is built."""
    with no_grad():
        outputs = [model(x) for x in X]
        loss = _regularised(loss_fn(outputs, targets), parameters, l2)
        return loss.data, _fraction_right([predicted_class(output) for output in outputs], y)


def _replayable(model, loss, y, batch_size):
    """Whether every step builds the same graph, so that a recording of it can be replayed.

    The batch must be the whole dataset: for a random batch the targets,
    which the losses hold as constants of the graph, change every step. The
    model must be one of nn's own modules, whose forward pass never looks at
    `.data`, and the loss a built-in one, none of which do either. A loss
    function of your own stays eager: it may branch on `.data`.
    """
    if callable(loss) or type(model) not in (MLP, Layer, Neuron):
        return False
    return replays(_losses.for_classes(loss, num_classes(y)), batch_size)


class _ReplayedStep:
    """`train_step` on the whole dataset, traced on the first call and replayed after."""

    def __init__(self, model, X, targets, loss_fn, parameters, l2):
        self.program = None
        self.outputs = None

        def step_loss():
            self._built = [model(x) for x in X]
            return _regularised(loss_fn(self._built, targets), parameters, l2)

        self.step_loss = step_loss

    def __call__(self, optimizer):
        if self.program is None:
            self.program = trace(self.step_loss, keep=self._keep)
        optimizer.zero_grad()
        loss_data = self.program()
        optimizer.step()
        return loss_data, [predicted_class(output) for output in self.outputs]

    def _keep(self):
        """The outputs of the call the program has just recorded, flat, for it to keep.

        They belong to the program, which refreshes their .data on every
        replay once told to keep them: a linear output that a loss adds to
        (mse's out - target) is otherwise a partial sum, never stored, and
        the accuracy counted from it would stay that of the first step.
        (The program's other calls of step_loss, its checks, build graphs of
        their own: only a recording's outputs are kept.)"""
        self.outputs = self._built
        return [value for output in self.outputs
                for value in (output if isinstance(output, list) else [output])]


def _regularised(loss, parameters, l2):
    """The loss plus the L2 penalty l2 * sum(p**2), or the loss alone for l2 = 0."""
    return loss + _losses.l2_penalty(parameters, l2) if l2 else loss


@no_grad()
def predict(model, X):
    """The predicted class index of every point (see `predicted_class`). Runs under `no_grad`."""
    return [predicted_class(model(x)) for x in X]


def predicted_class(output):
    """The class a model's output predicts: for one output s, 1 if s > 0
    else 0; for K outputs, the index of the largest (the first, on a tie)."""
    if isinstance(output, Value):
        return 1 if output.data > 0.0 else 0
    best = 0
    for k in range(1, len(output)):
        if output[k].data > output[best].data:
            best = k
    return best


def accuracy(model, X, y):
    """The fraction of points whose predicted class equals the label."""
    X, y = _check_data('accuracy', X, y)
    return _fraction_right(predict(model, X), y)


# --------------------------------------------------------------------------
# Helpers


def _fraction_right(predicted, y):
    return sum(p == label for p, label in zip(predicted, y)) / len(y)


def _check_data(function, X, y):
    """X and y as lists, after refusing what training would turn into a nan
    history: a label that is not a class index, a coordinate that is not a
    finite number. The message names the first bad sample."""
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f'{function}: X has {len(X)} points but y has {len(y)} labels')
    if not X:
        raise ValueError(f'{function}: no data: X is empty')
    for i, label in enumerate(y):
        check_int(function, f'y[{i}] (a class index)', label, minimum=0)
    for i, point in enumerate(X):
        try:
            coordinates = list(point)
        except TypeError:
            raise TypeError(f'{function}: X[{i}] must be a list of numbers, got '
                            f'{type(point).__name__}') from None
        for j, coordinate in enumerate(coordinates):
            number = coordinate.data if isinstance(coordinate, Value) else coordinate
            if is_real(number) and not math.isfinite(number):
                raise ValueError(f'{function}: X[{i}][{j}] is {float(number)!r}; the data must be '
                                 f'finite numbers (X[{i}] is {_short(coordinates)})')
    return X, y


def _short(values):
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + '...'


def _model_outputs(model):
    nouts = getattr(model, 'nouts', None)
    if isinstance(nouts, list):
        return nouts[-1]
    return getattr(model, 'nout', 1)


def _loss_and_targets(loss, y, model):
    """The loss function and the targets it wants for class indices y."""
    if callable(loss):
        return loss, y
    name = _losses.for_classes(loss, num_classes(y))
    return _losses.get(name), _losses.class_targets(name, y, _model_outputs(model))


def _make_optimizer(optimizer, model, lr, steps):
    if isinstance(optimizer, _optim.Optimizer):
        if lr is not None:
            raise ValueError('give lr to the optimizer object, not to fit')
        return optimizer
    kind = _optim.OPTIMIZERS.get(optimizer) if isinstance(optimizer, str) else None
    if kind is None:
        raise ValueError(f'unknown optimizer {optimizer!r}; choose one of '
                         f'{", ".join(_optim.OPTIMIZERS)} or pass an optimizer object')
    if lr is None:
        lr = _optim.linear_decay(1.0, 0.1, steps) if kind is _optim.SGD else 0.05
    return kind(model.parameters(), lr=lr)


def _show_progress(bar, history):
    held_out = {'test_acc': _percent(history.val_accuracy[-1])} if history.val_accuracy else {}
    bar.set_postfix(loss=f'{history.loss[-1]:.4f}', acc=_percent(history.accuracy[-1]), **held_out,
                    refresh=False)
    bar.update(1)


def progress_bar(steps):
    """A tqdm bar of `steps` training steps (fit's and nn.gpt.train's)."""
    from tqdm.auto import tqdm  # lazy: only when a bar is wanted
    return tqdm(total=steps, desc='training', unit='step', leave=True)


def _percent(fraction):
    return 'n/a' if fraction is None else f'{100 * fraction:.1f}%'
