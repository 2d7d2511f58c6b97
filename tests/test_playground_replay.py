"""The playground's fast paths give the numbers of the slow ones.

Oracles: nn's eager training step (`train_step`, building the graph and
calling backward()) for the replayed steps and the hidden layers'
statistics; the model called under no_grad for the boundary's plain-float
scores.
"""

import copy
import json
from dataclasses import asdict

import pytest

from autograd.engine import no_grad
from nn.optim import OPTIMIZERS
from nn.playground import Playground
from nn.playground.hidden import KeepHidden
from nn.playground import view
from nn.train import train_step


def eager_step(pg, model, optimizer):
    """One eager step of `model` on the playground's data: (loss, the hidden layers' statistics)."""
    kept = KeepHidden(model)
    loss, _ = train_step(kept, pg.X, pg._targets, pg._loss_fn, model.parameters(), pg.settings.l2, optimizer)
    stats = [asdict(view.layer_stats(f'layers.{depth}', rows, pg.settings.activation))
             for depth, rows in enumerate(kept.rows)]
    return loss, stats


@pytest.mark.parametrize('settings', [
    {'hidden': (8, 8), 'seed': 3},
    {'dataset': 'spirals', 'activation': 'tanh', 'optimizer': 'sgd', 'lr': 0.1},
])
def test_replayed_steps_equal_eager_steps_with_their_statistics(settings):
    pg = Playground(**settings)
    model = copy.deepcopy(pg.model)
    optimizer = OPTIMIZERS[pg.settings.optimizer](model.parameters(), lr=pg.settings.lr)
    for step in range(1, 6):
        loss, stats = eager_step(pg, model, optimizer)
        assert pg.step() == loss
        if step != 2:  # a step whose statistics nobody asked for is skipped, not mixed in later
            assert pg.state()['layers'] == stats
        assert [p.data for p in pg.model.parameters()] == [p.data for p in model.parameters()]
        assert [p.grad for p in pg.model.parameters()] == [p.grad for p in model.parameters()]


def test_the_statistics_leave_the_weights_and_grads_alone():
    pg = Playground(hidden=(4,))
    pg.step(3)
    before = [(p.data, p.grad) for p in pg.model.parameters()]
    assert pg.state()['layers'][0]['units'] == 4
    assert [(p.data, p.grad) for p in pg.model.parameters()] == before


def test_the_replay_follows_points_changed_in_place():
    pg = Playground(hidden=(4,))
    model = copy.deepcopy(pg.model)
    optimizer = OPTIMIZERS['adam'](model.parameters(), lr=0.05)
    for _ in range(2):
        assert pg.step() == eager_step(pg, model, optimizer)[0]
    pg.X[0] = [3.0, -2.0]  # as if the learner dragged a point
    loss, stats = eager_step(pg, model, optimizer)
    assert pg.step() == loss and pg.state()['layers'] == stats


def test_without_recording_no_frames_are_kept_and_the_current_state_is_saved(tmp_path):
    pg = Playground(record=False)
    pg.step(3)
    assert pg._frames == []
    html = open(pg.save_html(tmp_path / 'run.html'), encoding='utf-8').read()
    start = html.index('id="playground-boot">') + len('id="playground-boot">')
    frames = json.loads(html[start:html.index('</script>', start)])['frames']
    assert [frame['step'] for frame in frames] == [3]


@pytest.mark.parametrize('activation, hidden, dataset', [
    ('relu', (16, 16), 'moons'), ('tanh', (5,), 'moons'), ('sigmoid', (3, 4), 'spirals'), ('relu', (), 'blobs'),
])
def test_float_scores_are_the_engines_own_numbers(activation, hidden, dataset):
    pg = Playground(activation=activation, hidden=hidden, dataset=dataset, seed=2)
    pg.step(3)
    xs, ys = [-1.5, 0.0, 0.25, 2.0], [-0.5, 1.5, 3.0]
    with no_grad():
        expected = []
        for y in ys:  # rows from the bottom
            for x in xs:
                out = pg.model([x, y])
                expected.append([o.data for o in out] if isinstance(out, list) else [out.data])
    assert view.scores_floats(pg.model, xs, ys) == expected


def test_the_replay_follows_points_added_and_the_l2_weight_set_by_hand():
    pg = Playground(hidden=(4,))
    model = copy.deepcopy(pg.model)
    optimizer = OPTIMIZERS['adam'](model.parameters(), lr=0.05)
    assert pg.step() == eager_step(pg, model, optimizer)[0]
    pg.add_point(0.5, 0.25, 1)
    loss, stats = eager_step(pg, model, optimizer)
    assert pg.step() == loss and pg.state()['layers'] == stats
    pg.configure(l2=0.01)  # a constant of the recording
    loss, stats = eager_step(pg, model, optimizer)
    assert pg.settings.l2 == 0.01 and pg.step() == loss and pg.state()['layers'] == stats
