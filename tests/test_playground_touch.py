"""Touching the playground's run from Python and through its commands: points
added and removed by hand, a weight set by hand, test points held out, and
the settings of a page's address.

Oracles: the hinge loss and the L2 penalty of a linear model worked out in
plain Python from the points (not from the playground's own numbers); for
the test points, nn.hold_out's split and nn.fit's held-out loss on the same
model; for a step, the training step on the edited data done again by hand.
"""

import json
import math
import shutil
import subprocess

import pytest

import nn
from nn.playground import Playground, Session, SettingsError, check_settings
from nn.playground.pages import FRONT_END, front_end, recording_page

W0, W1, B = 'layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b'


def hinge_by_hand(points, labels, w0, w1, b, l2=0.0):
    """(1/N) sum max(0, 1 - t s) with t = -1/+1 for class 0/1 and s = w0 x + w1 y + b, plus l2 * |w|^2."""
    margins = [max(0.0, 1 - (2 * label - 1) * (w0 * x + w1 * y + b)) for (x, y), label in zip(points, labels)]
    return sum(margins) / len(margins) + l2 * (w0 * w0 + w1 * w1 + b * b)


def linear(**settings):
    """A playground of one linear neuron (no hidden layer), so its loss can be computed by hand."""
    return Playground(hidden=(), n=20, **settings)


def set_weights(pg, w0, w1, b):
    for name, value in ((W0, w0), (W1, w1), (B, b)):
        pg.set_parameter(name, value)


# --------------------------------------------------------------------------
# A weight by hand


def test_set_parameter_makes_the_loss_a_hand_computation_gives():
    pg = linear(l2=0.01)
    pg.step(3)
    set_weights(pg, 0.75, -1.5, 0.25)
    expected = hinge_by_hand(pg.X, pg.y, 0.75, -1.5, 0.25, l2=0.01)
    assert pg.state()['loss'] == pytest.approx(expected, rel=1e-12)
    assert pg.state()['parameters']['value'] == [0.75, -1.5, 0.25]
    # The boundary follows the weight: every cell's class is the sign of w0 x + w1 y + b.
    boundary = pg.state()['boundary']
    size, (x0, x1), (y0, y1) = boundary['size'], boundary['x'], boundary['y']
    for j in (0, size // 2, size - 1):
        for i in (0, size // 3, size - 1):
            x, y = x0 + (x1 - x0) * (i + 0.5) / size, y0 + (y1 - y0) * (j + 0.5) / size
            assert boundary['cells'][2 * (j * size + i)] == ('1' if 0.75 * x - 1.5 * y + 0.25 > 0 else '0')
    # The next step's loss is measured at the weights set by hand (the whole batch).
    assert pg.step() == pytest.approx(expected, rel=1e-12)


def test_set_parameter_accepts_text_and_refuses_what_is_not_a_finite_number():
    pg = linear()
    assert pg.set_parameter(W0, ' -2.5e-1 ') == -0.25
    before = pg.state()['parameters']['value']
    for bad in ('nan', 'inf', '-inf', float('nan'), float('inf'), 'abc', '', None, True, [1.0], '1+1'):
        with pytest.raises(SettingsError, match='finite number|must be a number'):
            pg.set_parameter(W0, bad)
    with pytest.raises(SettingsError, match="unknown parameter 'layers.9.neurons.0.w.0'"):
        pg.set_parameter('layers.9.neurons.0.w.0', 1.0)
    assert pg.state()['parameters']['value'] == before


# --------------------------------------------------------------------------
# Points by hand


def test_add_point_grows_the_training_set_and_the_next_step_uses_it():
    pg = linear(l2=0.0)
    pg.step(2)
    step = pg.steps
    set_weights(pg, 0.5, 0.5, 0.0)
    n = len(pg.X)
    (x0, x1), (y0, y1) = pg.extent
    where = ((x0 + x1) / 2, (y0 + y1) / 2)
    index = pg.add_point(*where, 0)
    assert index == n and len(pg.X) == n + 1 and pg.X[-1] == list(where) and pg.y[-1] == 0
    assert pg.steps == step  # no restart
    state = pg.state()
    assert len(state['points']['x']) == n + 1 and state['points']['labels'][-1] == 0
    expected = hinge_by_hand(pg.X, pg.y, 0.5, 0.5, 0.0)
    assert expected != pytest.approx(hinge_by_hand(pg.X[:-1], pg.y[:-1], 0.5, 0.5, 0.0))
    assert state['loss'] == pytest.approx(expected, rel=1e-12)
    assert pg.step() == pytest.approx(expected, rel=1e-12)


def test_remove_point_shrinks_the_training_set_and_the_next_step_leaves_it_out():
    pg = linear(l2=0.0)
    set_weights(pg, 1.0, -1.0, 0.5)
    gone = (pg.X[3], pg.y[3])
    assert pg.remove_point(3) == gone
    assert len(pg.X) == 19 and gone[0] not in pg.X
    assert pg.step() == pytest.approx(hinge_by_hand(pg.X, pg.y, 1.0, -1.0, 0.5), rel=1e-12)
    for bad in (-1, 19, 1.0, True, '2', None):
        with pytest.raises(SettingsError, match='point index must be an int from 0 to 18'):
            pg.remove_point(bad)


def test_the_last_point_stays_and_the_selection_follows_removals():
    pg = Playground(hidden=(2,), n=10)
    pg.select(9)
    pg.remove_point(0)
    assert pg.selected == 8 and pg.state()['graph']['point'] == 8
    while len(pg.X) > 1:
        pg.remove_point(len(pg.X) - 1)
    with pytest.raises(SettingsError, match='last training point'):
        pg.remove_point(0)
    pg.step()  # still trains, on one point


def test_added_points_outside_the_plane_or_of_no_class_are_refused():
    pg = linear()
    (x0, x1), (y0, y1) = pg.extent
    n = len(pg.X)
    for x, y, label, message in ((x1 + 0.01, y0, 0, 'outside the plane'), (x0, y0 - 1, 1, 'outside the plane'),
                                 (float('nan'), y0, 0, 'finite number'), ('1', y0, 0, 'finite number'),
                                 (x0, None, 0, 'finite number'), (x0, y0, 2, 'class must be an int from 0 to 1'),
                                 (x0, y0, -1, 'class must be'), (x0, y0, True, 'class must be'),
                                 (x0, y0, 1.0, 'class must be')):
        with pytest.raises(SettingsError, match=message):
            pg.add_point(x, y, label)
    assert len(pg.X) == n
    pg.add_point(x1, y1, 1)  # the plane's corner is on it


def test_reset_keeps_the_edited_points_and_reset_data_brings_the_generated_ones_back():
    pg = Playground(hidden=(4,), n=30, dataset='spirals')  # three classes: cross_entropy
    generated = [list(p) for p in pg.X], list(pg.y)
    pg.step(2)
    pg.add_point(0.0, 0.0, 2)
    pg.remove_point(0)
    edited = [list(p) for p in pg.X], list(pg.y)
    pg.reset()
    assert pg.steps == 0 and (pg.X, pg.y) == edited
    pg.configure(hidden='8')  # a new network, the same points
    assert (pg.X, pg.y) == edited
    pg.step(3)
    pg.reset_data()
    assert (pg.X, pg.y) == generated and pg.steps == 3
    pg.add_point(0.0, 0.0, 1)
    pg.configure(n=40)  # new data settings: new points
    assert len(pg.X) == 40


# --------------------------------------------------------------------------
# Test points


def test_test_fraction_holds_out_the_points_nn_hold_out_does():
    pg = Playground(hidden=(4,), n=50, seed=7, noise=0.2, test_fraction=0.3)
    X, y = nn.datasets.load('moons', n=50, seed=7, noise=0.2)
    (X_train, y_train), (X_test, y_test) = nn.hold_out(X, y, 0.3, seed=7)
    assert (pg.X, pg.y, pg.X_test, pg.y_test) == (X_train, y_train, X_test, y_test)
    points = pg.state()['points']
    assert (points['test_x'], points['test_labels']) == (X_test, y_test)
    assert len(points['x']) == 35 and len(points['test_x']) == 15


def test_the_history_holds_the_test_loss_and_accuracy_of_each_step_as_fit_measures_them():
    settings = dict(hidden=(4,), n=40, seed=1, lr=0.05)
    pg = Playground(**settings, test_fraction=0.25, l2=0.0)
    # The same run with nn.fit: the same model, data, optimizer and held-out points.
    model = nn.MLP(2, [4, 1], 'relu', seed=1)
    (X_train, y_train), test = nn.hold_out(*nn.datasets.load('moons', n=40, seed=1, noise=0.1), 0.25, seed=1)
    history = nn.fit(model, X_train, y_train, loss='hinge', optimizer='adam', lr=0.05, steps=5, l2=0.0,
                     progress=False, validation=test)
    pg.step(5)
    state = pg.state()
    assert state['history']['test_loss'] == pytest.approx(history.val_loss, rel=1e-9)
    assert state['history']['test_accuracy'] == history.val_accuracy
    assert state['history']['loss'] == pytest.approx(history.loss, rel=1e-9)
    assert state['test_loss'] == pytest.approx(history.val_loss[-1], rel=1e-9)
    without = Playground(**settings)
    without.step(2)
    assert without.state()['history']['test_loss'] == [] and without.state()['test_loss'] is None


def test_test_fraction_is_checked_like_every_setting():
    assert check_settings({'test_fraction': '0.2'})['test_fraction'] == 0.2
    assert check_settings({})['test_fraction'] == 0.0
    for bad, message in ((-0.1, 'test fraction must be >= 0'), (0.95, 'and <= 0.9'), ('x', 'must be a number'),
                         (float('nan'), 'finite'), (0.01, 'leaves no point for testing')):
        with pytest.raises(SettingsError, match=message):
            check_settings({'test_fraction': bad, 'n': 10})
    with pytest.raises(SettingsError, match='L2 strength must be >= 0 and <= 1'):
        Playground(l2=2.0)


def test_l2_applies_from_the_next_step_without_a_restart():
    pg = linear(l2=0.0)
    set_weights(pg, 1.0, 2.0, -0.5)
    assert pg.configure(l2=0.5) is False
    assert pg.step() == pytest.approx(hinge_by_hand(pg.X, pg.y, 1.0, 2.0, -0.5, l2=0.5), rel=1e-12)


# --------------------------------------------------------------------------
# The commands a page sends


def test_the_commands_touch_the_run_and_bad_ones_get_a_message():
    pg = linear(l2=0.0)
    session = Session(pg)
    (x0, x1), (y0, y1) = pg.extent
    assert session.handle({'action': 'add_point', 'x': x0, 'y': y1, 'label': 1}) == {'ok': True}
    assert len(pg.X) == 21 and pg.y[-1] == 1
    assert session.handle({'action': 'remove_point', 'index': 20}) == {'ok': True}
    assert session.handle({'action': 'set_parameter', 'name': W1, 'value': '0.125'}) == {'ok': True}
    assert pg.model.parameters()[1].data == 0.125
    assert session.handle({'action': 'reset_data'}) == {'ok': True}
    for command, message in (({'action': 'add_point', 'x': x1 + 1, 'y': y0, 'label': 0}, 'outside the plane'),
                             ({'action': 'add_point', 'x': '__import__("os")', 'y': y0, 'label': 0}, 'finite'),
                             ({'action': 'remove_point'}, 'point index'),
                             ({'action': 'set_parameter', 'name': W0, 'value': 'inf'}, 'finite number'),
                             ({'action': 'set_parameter', 'name': W0, 'value': '2**8'}, 'must be a number'),
                             ({'action': 'set_parameter', 'value': 1}, 'unknown parameter'),
                             ({'action': 'open', 'settings': 'n=10'}, 'object of names and values')):
        reply = session.handle(command)
        assert reply['ok'] is False and message in reply['error'], (command, reply)
    assert len(pg.X) == 20 and pg.model.parameters()[1].data == 0.125


def test_open_applies_the_good_settings_of_an_address_and_reports_the_bad_ones():
    pg = Playground(hidden=(2,), n=20)
    session = Session(pg)
    reply = session.handle({'action': 'open', 'settings': {
        'batch_size': '30', 'n': '60', 'seed': '3', 'noise': 'abc', 'colour': 'red', 'dataset': 'circles',
        'hidden': '4,4', 'test_fraction': '0.25', 'lr': '1e400'}})
    assert reply['ok'] is False
    assert "noise must be a number, got 'abc'" in reply['error'] and "unknown setting 'colour'" in reply['error']
    assert 'learning rate must be a finite number' in reply['error']
    s = pg.settings
    # batch 30 is accepted because n=60 was checked first
    assert (s.n, s.seed, s.dataset, s.hidden, s.test_fraction, s.batch_size) == (60, 3, 'circles', (4, 4), 0.25, 30)
    assert (s.noise, s.lr) == (0.1, 0.05)
    assert len(pg.X) == 45 and len(pg.X_test) == 15
    assert session.handle({'action': 'open', 'settings': {'seed': '4'}}) == {'ok': True}
    assert pg.settings.seed == 4
    too_many = {f'name{i}': '1' for i in range(100)}
    assert 'settings; there are' in session.handle({'action': 'open', 'settings': too_many})['error']


# --------------------------------------------------------------------------
# The script the pages load


def test_the_front_end_is_the_touch_file_then_playground_js_and_parses_as_one_module(tmp_path):
    from importlib.resources import files

    script = front_end()
    parts = [files('nn').joinpath('web', name).read_text(encoding='utf-8') for name in FRONT_END]
    assert script == '\n'.join(parts) and FRONT_END[-1] == 'playground.js'
    node = shutil.which('node') or shutil.which('nodejs')
    assert node, 'Node.js is needed (./lab test installs it)'
    path = tmp_path / 'front_end.mjs'
    path.write_text(script, encoding='utf-8')
    result = subprocess.run([node, '--check', str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'class Touch' in recording_page([json.loads(json.dumps(Playground(n=10).state()))])


def test_state_is_json_with_test_points_and_touched_numbers():
    pg = Playground(hidden=(3,), n=20, test_fraction=0.5)
    pg.step(2)
    pg.set_parameter('layers.0.neurons.0.b', 1e6)  # a huge weight: the numbers stay JSON
    text = json.dumps(pg.state(), allow_nan=False)
    state = json.loads(text)
    assert state['points']['version'] == 0 and math.isfinite(state['loss'])
    pg.add_point(0.0, 0.0, 1)
    assert pg.state()['points']['version'] == 1
