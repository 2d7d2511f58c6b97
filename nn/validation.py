"""Held-out data: points the model never trains on, to see whether it generalizes.

A network with enough weights can fit its training points ever more
closely while it gets worse on points it has not seen: the training loss
falls and the held-out loss rises. That is overfitting, and only a loss on
held-out points shows it. `hold_out(X, y, test_fraction, seed)` holds out
a random fraction of a dataset, the same points for the same seed, and
`fit(..., validation=(X_test, y_test))` (nn/train.py) measures the model on
them at every step with `HeldOut`, beside the training loss and accuracy:

    (X_train, y_train), test = nn.hold_out(X, y, 0.3, seed=0)
    history = nn.fit(model, X_train, y_train, validation=test)
    history['val_loss'], history['val_accuracy']

The held-out points are scored without building a graph, so `fit`'s traced
replay of the training step is left alone: an nn model (MLP, Layer, Neuron)
is run on plain floats, the same float operations in the same order as its
Values would do, so the same numbers bit for bit; any other model is called
under `no_grad`. The float path is there for speed: under `no_grad` a
2-32-32-1 MLP still makes a leaf Value per operation, about 4 ms a point,
which on a held-out set larger than the training set cost more than the
replayed training step itself; on floats it took 0.25-0.6 ms a point
(timed interleaved with the no_grad path on a busy 2-core machine).
"""

import functools
import operator
import random

from autograd._validate import check_int, check_real
from autograd.engine import Value, no_grad

from . import losses as _losses
from .datasets import num_classes
from .module import ACTIVATIONS, MLP, Layer, Neuron
from .train import _check_data, _model_outputs, predicted_class

__all__ = ['hold_out', 'test_count', 'HeldOut']


def hold_out(X, y, test_fraction, seed=0):
    """((X_train, y_train), (X_test, y_test)): `test_fraction` of the points,
    rounded to a whole number, held out for testing, the rest for training.

    The points to hold out are drawn by `random.Random(seed)`, so a seed
    gives the same split every time; each part keeps the points in their
    original order. A fraction that is not a number strictly between 0 and
    1, or that leaves no point on one side, raises ValueError.
    """
    X, y = _check_data('hold_out', X, y)
    count = test_count(len(X), test_fraction)
    check_int('hold_out', 'seed', seed)
    held = set(random.Random(seed).sample(range(len(X)), count))
    train = [i for i in range(len(X)) if i not in held]
    test = sorted(held)
    return ([X[i] for i in train], [y[i] for i in train]), ([X[i] for i in test], [y[i] for i in test])


def test_count(n, test_fraction):
    """How many of `n` points a `test_fraction` holds out: round(n * fraction),
    which must leave at least one point for testing and one for training."""
    fraction = check_real('hold_out', 'test_fraction', test_fraction, above=0.0, below=1.0)
    count = round(n * fraction)
    if count < 1 or count > n - 1:
        side = 'testing' if count < 1 else 'training'
        raise ValueError(f'a test fraction of {fraction:g} of {n} points leaves no point for {side}; '
                         f'use more points or a fraction nearer the middle')
    return count


class HeldOut:
    """The held-out points of a `fit` run and how the model scores on them.

    `validation` is a pair (X, y) like fit's own data. The loss is the one
    `fit` trains with (for loss='auto', chosen from the training labels),
    without the L2 term: the penalty is about the weights, not the points,
    and what the held-out loss measures is how well the model predicts
    points it has not seen. (So with l2 = 0 the training and held-out
    losses are the same measure on different points; with l2 > 0 the
    training loss also holds the penalty it minimises.)
    """

    def __init__(self, validation, loss, y_train, model):
        try:
            X, y = validation
        except (TypeError, ValueError):
            raise TypeError('fit: validation must be a pair (X, y) of held-out points and labels, '
                            f'got {type(validation).__name__}') from None
        self.X, self.y = _check_data('fit (validation)', X, y)
        if callable(loss):
            self.loss_fn, self.targets = loss, self.y
        else:
            name = _losses.for_classes(loss, num_classes(y_train))
            self.loss_fn = _losses.get(name)
            self.targets = _losses.class_targets(name, self.y, _model_outputs(model))

    def score(self, model):
        """(loss, accuracy) of `model` on the held-out points, building no graph."""
        with no_grad():
            outputs = outputs_of(model, self.X)
            loss = self.loss_fn(outputs, self.targets).data
        right = sum(predicted_class(output) == label for output, label in zip(outputs, self.y))
        return loss, right / len(self.y)


def outputs_of(model, X):
    """`[model(x) for x in X]` as leaf Values, without a graph: for nn's own
    models computed on floats (the module docstring says why), else called
    under `no_grad`."""
    if type(model) not in (MLP, Layer, Neuron):
        with no_grad():
            return [model(x) for x in X]
    layers = model.layers if type(model) is MLP else [model] if type(model) is Layer else None
    neurons = [[model]] if layers is None else [layer.neurons for layer in layers]
    # Per layer, per neuron: (bias, weights, activation on floats), read once for all points.
    plan = [[(neuron.b.data, [w.data for w in neuron.w], ACTIVATIONS[neuron.activation]) for neuron in layer]
            for layer in neurons]
    outputs = []
    for x in X:
        numbers = [xi.data if isinstance(xi, Value) else xi for xi in x]
        for layer in plan:
            numbers = [_neuron_on_floats(bias, weights, activate, numbers) for bias, weights, activate in layer]
        values = [Value(number) for number in numbers]
        outputs.append(values[0] if len(values) == 1 else values)
    return outputs


def _neuron_on_floats(bias, weights, activate, x):
    """Neuron.__call__ on floats: b + w0*x0 + w1*x1 + ..., added in that order, then the activation.
    (Not sum(): from Python 3.12 it compensates float rounding, which the Values' additions do not.)"""
    total = functools.reduce(operator.add, map(operator.mul, weights, x), bias)
    return total if activate is None else activate(total)
