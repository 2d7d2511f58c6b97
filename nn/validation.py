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

The held-out points are scored under `no_grad`, as plain arithmetic: no
graph is built for them, and `fit`'s traced replay of the training step is
left alone.
"""

import random

from autograd._validate import check_int, check_real
from autograd.engine import no_grad

from . import losses as _losses
from .datasets import num_classes
from .train import _check_data, _model_outputs, _regularised, predicted_class

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
    plus the same L2 term, so that the training and held-out losses differ
    only in the points they are measured on.
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

    def score(self, model, parameters, l2):
        """(loss, accuracy) of `model` on the held-out points, under `no_grad`."""
        with no_grad():
            outputs = [model(x) for x in self.X]
            loss = _regularised(self.loss_fn(outputs, self.targets), parameters, l2).data
        right = sum(predicted_class(output) == label for output, label in zip(outputs, self.y))
        return loss, right / len(self.y)
