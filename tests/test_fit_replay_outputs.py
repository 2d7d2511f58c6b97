"""nn.fit's replayed step counts its accuracy from fresh outputs, as the eager step does.

With mse and a linear output layer, the output w.x + b is a partial sum of
the loss's `out - target`, which a replay does not store unless told to
keep it: the training accuracy stayed at its first step's value (0.5 on
moons) while the model learned."""

import pytest

import nn
from autograd import Value, trace
from nn import MLP, datasets
from nn.train import _loss_and_targets, _replayable, train_step


@pytest.mark.parametrize('loss, nouts, classes', [
    ('mse', [8, 1], 2), ('mse', [4], 3), ('hinge', [8, 1], 2), ('bce', [1], 2),
    ('cross_entropy', [8, 3], 3), ('mse', [6, 6, 1], 2)])
def test_fit_replayed_gives_the_eager_steps_history(loss, nouts, classes):
    X, y = datasets.moons(n=40, seed=0) if classes == 2 else datasets.blobs(n=40, classes=classes, seed=0)
    replayed = MLP(2, nouts, seed=1)
    assert _replayable(replayed, loss, y, None)
    history = nn.fit(replayed, X, y, loss=loss, optimizer='adam', lr=0.05, steps=12, progress=False)

    eager = MLP(2, nouts, seed=1)  # the same run, one eager step at a time
    loss_fn, targets = _loss_and_targets(loss, y, eager)
    optimizer = nn.optim.Adam(eager.parameters(), lr=0.05)
    losses, accuracies = [], []
    for _ in range(12):
        value, predicted = train_step(eager, X, targets, loss_fn, eager.parameters(), 1e-4, optimizer)
        losses.append(value)
        accuracies.append(sum(p == label for p, label in zip(predicted, y)) / len(y))
    assert history.loss == losses
    assert history.accuracy == accuracies
    assert len(set(accuracies)) > 1  # the accuracy moves: the case is not vacuous


def test_a_kept_partial_sum_shows_each_replays_value():
    w = Value(2.0, label='w')
    built = {}

    def f(x):
        out = w * x + 1.0  # a partial sum of out + 3.0: not stored unless kept
        built['out'] = out
        return out + 3.0

    program = trace(f, 1.0, keep=lambda: [built['out']])
    recorded = built['out']
    assert program(5.0) == 14.0
    assert recorded.data == 11.0 == 2.0 * 5.0 + 1.0
