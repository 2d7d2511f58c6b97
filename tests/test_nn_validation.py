"""Held-out data: `nn.hold_out`, `fit(..., validation=...)`, the plots, the
model file's record of the split, and `python -m nn train --test-fraction`.

Oracles: a hinge loss worked out by hand on a tiny set (below, step by
step), the training history of the same run without held-out data (which
the held-out scoring must not change), and set arithmetic on the split.
"""

import json
import math

import pytest

import nn
from nn.__main__ import main


def tiny_neuron():
    """s = 0.5 x1 - 1.0 x2 + 0.25."""
    model = nn.Neuron(2, activation='linear', seed=0)
    model.w[0].data, model.w[1].data, model.b.data = 0.5, -1.0, 0.25
    return model


TRAIN = ([[1.0, 0.0], [0.0, 1.0]], [1, 0])
HELD_OUT = ([[2.0, 1.0], [1.0, -1.0], [0.0, 0.0]], [1, 0, 1])


def test_fit_with_validation_against_a_loss_computed_by_hand():
    model = tiny_neuron()
    history = nn.fit(model, *TRAIN, loss='hinge', optimizer='sgd', lr=0.1, steps=2, l2=0.1,
                     progress=False, validation=HELD_OUT)
    # Step 1, at the initial weights. Held-out scores 0.25, 1.75, 0.25 with signs +1, -1, +1:
    # hinge = (0.75 + 2.75 + 0.75) / 3 (the held-out loss holds no L2 term).
    first = 4.25 / 3
    # One SGD step on the training points: margins 0.75 and 0.75 (both below 1), so the hinge's
    # grads are dw = -[1, 0]/2 + [0, 1]/2 = [-0.5, 0.5] and db = 0; with the L2 term's 2 * 0.1 * p,
    # grad = [-0.4, 0.3], 0.05, and lr 0.1 gives w = [0.54, -1.03], b = 0.245.
    # Held-out scores 0.295, 1.815, 0.245: hinge (0.705 + 2.815 + 0.755) / 3.
    second = 4.275 / 3
    assert history['val_loss'] == pytest.approx([first, second], rel=1e-12)
    # The training loss does hold it: step 1's is hinge (0.25 + 0.25) / 2 + 0.1 * 1.3125.
    assert history['loss'][0] == pytest.approx(0.25 + 0.13125, rel=1e-12)
    assert history['val_accuracy'] == pytest.approx([2 / 3, 2 / 3])  # all three predicted 1
    assert len(history['loss']) == len(history['accuracy']) == 2
    assert history.final_val_accuracy == pytest.approx(2 / 3)
    assert 'held-out 66.7%' in repr(history)


def test_held_out_scoring_leaves_the_replayed_training_alone(monkeypatch):
    import nn.train

    traces = []
    trace = nn.train.trace
    monkeypatch.setattr(nn.train, 'trace', lambda fn, **options: traces.append(fn) or trace(fn, **options))
    X, y = nn.datasets.moons(n=40, noise=0.1, seed=1)
    (X_train, y_train), test = nn.hold_out(X, y, 0.25, seed=1)
    runs = []
    for validation in (None, test):
        model = nn.MLP(2, [8, 8, 1], seed=0)
        runs.append(nn.fit(model, X_train, y_train, steps=5, progress=False, validation=validation))
    assert len(traces) == 2  # one recording per run: the run with held-out data replays too
    assert runs[0]['loss'] == runs[1]['loss'] and runs[0]['accuracy'] == runs[1]['accuracy']
    assert runs[0]['val_loss'] == [] and len(runs[1]['val_loss']) == 5
    assert runs[0].final_val_loss is None
    # The held-out accuracy at the end, checked against the model itself.
    right = sum(nn.predict(model, test[0])[i] == label for i, label in enumerate(test[1]))
    assert runs[1].final_val_accuracy == right / len(test[1])


def test_validation_of_several_classes_uses_the_training_loss():
    X, y = nn.datasets.blobs(n=30, classes=3, seed=0)
    (X_train, y_train), (X_test, y_test) = nn.hold_out(X, y, 0.3, seed=0)
    model = nn.MLP(2, [3], seed=0)
    history = nn.fit(model, X_train, y_train, loss='auto', steps=1, progress=False,
                     validation=(X_test, [0] * len(X_test)))
    # loss='auto' means cross_entropy for the 3 training classes, even if the held-out labels hold one
    with nn.train.no_grad():
        outputs = [model(x) for x in X_test]
    assert history.final_val_loss == nn.losses.cross_entropy(outputs, [0] * len(X_test)).data


@pytest.mark.parametrize('validation, error, message', [
    ((HELD_OUT[0],), TypeError, 'pair'),
    (5, TypeError, 'pair'),
    ((HELD_OUT[0], [1, 0]), ValueError, '3 points but y has 2'),
    (([[1.0, math.nan]], [1]), ValueError, 'finite'),
    (([[1.0, 0.0]], [2]), ValueError, '2 classes'),
])
def test_bad_validation_data_is_refused(validation, error, message):
    with pytest.raises(error, match=message):
        nn.fit(tiny_neuron(), *TRAIN, steps=1, progress=False, validation=validation)


def test_hold_out_is_deterministic_for_a_seed():
    X, y = nn.datasets.moons(n=50, noise=0.1, seed=0)
    (X_train, y_train), (X_test, y_test) = nn.hold_out(X, y, 0.3, seed=7)
    assert len(X_test) == 15 and len(X_train) == 35
    assert nn.hold_out(X, y, 0.3, seed=7) == ((X_train, y_train), (X_test, y_test))
    pairs = list(zip(map(tuple, X), y))
    train_pairs = list(zip(map(tuple, X_train), y_train))
    test_pairs = list(zip(map(tuple, X_test), y_test))
    assert sorted(train_pairs + test_pairs) == sorted(pairs)  # every point once
    assert train_pairs == [pair for pair in pairs if pair in train_pairs]  # in their order
    other = nn.hold_out(X, y, 0.3, seed=8)[1][0]
    assert other != X_test


@pytest.mark.parametrize('fraction, error, message', [
    (0.0, ValueError, 'must be > 0'), (1.0, ValueError, 'must be < 1'), (-0.2, ValueError, 'must be > 0'),
    (1.5, ValueError, 'must be < 1'), (math.nan, ValueError, 'test_fraction'), (math.inf, ValueError, 'finite'),
    ('0.3', TypeError, 'number'), (0.01, ValueError, 'no point for testing'),
    (0.99, ValueError, 'no point for training'),
])
def test_bad_fractions_are_refused(fraction, error, message):
    X, y = nn.datasets.moons(n=10, seed=0)
    with pytest.raises(error, match=message):
        nn.hold_out(X, y, fraction)


def test_plot_history_draws_the_held_out_curves():
    history = {'loss': [1.0, 0.5, 0.25], 'accuracy': [0.5, 0.75, 1.0],
               'val_loss': [1.1, 0.8, 0.9], 'val_accuracy': [0.5, 0.5, 0.75]}
    figure = nn.plot_history(history)
    left, right = figure.axes
    assert [list(line.get_ydata()) for line in left.lines] == [history['loss'], history['val_loss']]
    assert [list(line.get_ydata()) for line in right.lines] == [[50, 75, 100], [50, 50, 75]]
    assert [line.get_linestyle() for line in left.lines] == ['-', '--']
    assert len(nn.plot_history({'loss': [1.0], 'accuracy': [1.0], 'val_loss': []}).axes[0].lines) == 1
    with pytest.raises(ValueError, match='val_loss'):
        nn.plot_history(dict(history, val_loss=[1.0]))


def test_the_model_file_records_the_split(tmp_path):
    path = tmp_path / 'model.json'
    nn.save(tiny_neuron(), path, split={'test_fraction': 0.25, 'seed': 3})
    assert json.loads(path.read_text())['split'] == {'test_fraction': 0.25, 'seed': 3}
    assert nn.load(path).w[0].data == 0.5
    document = json.loads(path.read_text())
    for bad in ({'test_fraction': 1.5, 'seed': 3}, {'test_fraction': 0.25}, {'test_fraction': 0.2, 'seed': 'x'},
                [0.25, 3]):
        document['split'] = bad
        path.write_text(json.dumps(document))
        with pytest.raises(nn.ModelFileError, match='split'):
            nn.load(path)
    with pytest.raises(ValueError, match='split'):
        nn.save(tiny_neuron(), path, split={'test_fraction': 0.0, 'seed': 3})


SMALL_RUN = ['train', '--n', '30', '--hidden', '4', '--steps', '3', '--no-progress']


def test_the_command_holds_out_the_same_points_for_a_seed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    held_out = []
    fit = nn.fit
    monkeypatch.setattr(nn, 'fit', lambda *args, **kwargs: held_out.append(kwargs['validation']) or fit(*args, **kwargs))
    for seed, folder in (('4', 'a'), ('4', 'b'), ('5', 'c')):
        assert main(SMALL_RUN + ['--test-fraction', '0.3', '--seed', seed, '-o', folder]) == 0
    printed = capsys.readouterr().out
    assert '21 training + 9 held-out points' in printed and 'held-out accuracy' in printed
    assert held_out[0] == held_out[1] != held_out[2]
    X, y = nn.datasets.moons(n=30, seed=4)  # what --seed 4 generates: the held-out points are among them
    assert all(point in X for point in held_out[0][0]) and len(held_out[0][0]) == 9
    files = [(tmp_path / folder / 'model.json').read_bytes() for folder in 'abc']
    assert files[0] == files[1] != files[2]
    assert json.loads(files[2])['split'] == {'test_fraction': 0.3, 'seed': 5}


@pytest.mark.parametrize('arguments, message', [
    (['--test-fraction', '0'], 'must be a finite number > 0'),
    (['--test-fraction', '1'], 'between 0 and 1'),
    (['--test-fraction', '-0.5'], 'must be a finite number > 0'),
    (['--test-fraction', 'nan'], '--test-fraction'),
    (['--test-fraction', 'inf'], '--test-fraction'),
    (['--test-fraction', 'half'], 'expected a number'),
    (['--test-fraction', '0.01'], 'no point for testing'),
    (['--test-fraction', '0.99'], 'no point for training'),
    (['--test-fraction', '0.5', '--batch-size', '20'], 'larger than the 15 training points'),
])
def test_bad_test_fractions_are_usage_errors(arguments, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(SMALL_RUN + arguments) == 2
    error = capsys.readouterr().err
    assert message in error and error.count('\n') == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('activation', ['relu', 'tanh', 'sigmoid', 'linear'])
def test_held_out_outputs_on_floats_are_the_models_own_bit_for_bit(activation):
    from nn.validation import outputs_of

    X, _ = nn.datasets.moons(n=25, noise=0.3, seed=2)
    X = X + [[nn.datasets.moons(n=1)[0][0][0], -3]]  # an int coordinate too
    models = [nn.MLP(2, [6, 5, 1], activation=activation, seed=0),
              nn.MLP(2, [4, 3], activation=activation, output_activation='sigmoid', seed=1),
              nn.Layer(2, 3, activation, seed=2), nn.Layer(2, 1, activation, seed=3),
              nn.Neuron(2, activation, seed=4)]
    for model in models:
        with nn.train.no_grad():
            expected = [model(x) for x in X]
        got = outputs_of(model, X)
        for want, have in zip(expected, got):
            if isinstance(want, list):
                assert [v.data for v in have] == [v.data for v in want] and not any(v.parents for v in have)
            else:
                assert have.data == want.data and not have.parents
