"""nn.save / nn.load: exact round trips, corrupt and mismatched files, atomic writes."""

import json
import os
import random

import pytest

import nn
from nn import MLP, Layer, ModelFileError, Neuron


def outputs(model, points):
    out = [model(x) for x in points]
    return [[o.data for o in row] if isinstance(row, list) else row.data for row in out]


def random_points(count, nin, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-3, 3) for _ in range(nin)] for _ in range(count)]


@pytest.mark.parametrize('model', [
    MLP(2, [16, 16, 1], seed=0),
    MLP(3, [5, 4], 'tanh', output_activation='sigmoid', init='scaled', seed=1),
    Layer(2, 3, 'sigmoid', seed=2),
    Neuron(4, 'linear', seed=3),
], ids=['mlp', 'mlp-tanh', 'layer', 'neuron'])
def test_round_trip_is_bit_identical(tmp_path, model):
    # awkward floats: many digits, tiny, huge, negative zero
    params = model.parameters()
    for p, special in zip(params, [0.1 + 0.2, 1e-300, -0.0, 123456789.123456789, 5e-324]):
        p.data = special
    path = tmp_path / 'model.json'
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert [name for name, _ in loaded.named_parameters()] == [name for name, _ in model.named_parameters()]
    for mine, theirs in zip(model.parameters(), loaded.parameters()):
        assert mine.data.hex() == theirs.data.hex()
    points = random_points(50, model.nin)
    assert outputs(loaded, points) == outputs(model, points)


def test_file_is_json_with_format_version_architecture_and_named_parameters(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    nn.save(model, tmp_path / 'm.json')
    document = json.loads((tmp_path / 'm.json').read_text())
    assert document['format'] == 'backprop-lab-model' and document['version'] == 1
    assert document['architecture'] == {'type': 'MLP', 'nin': 2, 'nouts': [3, 1], 'activation': 'relu',
                                        'output_activation': 'linear', 'init': 'uniform'}
    assert document['parameters'] == {name: p.data for name, p in model.named_parameters()}


def saved_text(tmp_path):
    path = tmp_path / 'model.json'
    nn.save(MLP(2, [3, 1], seed=0), path)
    return path, path.read_text()


def edit(text, change):
    document = json.loads(text)
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize('corrupt, message', [
    (lambda text: text[: len(text) // 2], r'not valid JSON \(the file looks truncated\)'),
    (lambda text: '', 'the file is empty'),
    (lambda text: 'hello, world', 'not valid JSON'),
    (lambda text: '[1, 2, 3]', 'expected a JSON object at the top, got list'),
    (lambda text: edit(text, lambda d: d.update(format='pickle')), 'not a backprop-lab model file'),
    (lambda text: edit(text, lambda d: d.update(version=2)), 'unknown version 2'),
    (lambda text: edit(text, lambda d: d.pop('parameters')), '"parameters" must be a JSON object'),
    (lambda text: edit(text, lambda d: d['architecture'].update(type='CNN')), "unknown model type 'CNN'"),
    (lambda text: edit(text, lambda d: d['architecture'].update(nouts=[4, 1])),
     r'parameters do not match the architecture \(17 expected\): 4 missing'),
    (lambda text: edit(text, lambda d: d['architecture'].update(nin='2')), 'nin must be a positive int'),
    (lambda text: edit(text, lambda d: d['architecture'].update(activation='swish')), "unknown activation 'swish'"),
    (lambda text: edit(text, lambda d: d['parameters'].pop('layers.1.neurons.0.b')),
     '1 missing .e.g. layers.1.neurons.0.b'),
    (lambda text: edit(text, lambda d: d['parameters'].update({'layers.9.x': 1.0})), '1 unexpected'),
    (lambda text: edit(text, lambda d: d['parameters'].update({'layers.0.neurons.0.w.0': '0.5'})),
     'parameter layers.0.neurons.0.w.0 must be a number, got "0.5"'),
    (lambda text: edit(text, lambda d: d['parameters'].update({'layers.0.neurons.0.b': True})),
     'parameter layers.0.neurons.0.b must be a number'),
    (lambda text: text.replace('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": NaN'),
     'NaN, which is not a number JSON allows'),
])
def test_load_rejects_bad_files_naming_file_and_problem(tmp_path, corrupt, message):
    path, text = saved_text(tmp_path)
    path.write_text(corrupt(text))
    with pytest.raises(ModelFileError, match=message) as error:
        nn.load(path)
    assert str(error.value).startswith(f'{path}: ')


def test_load_missing_file_and_binary_file(tmp_path):
    with pytest.raises(ModelFileError, match='cannot read'):
        nn.load(tmp_path / 'nope.json')
    (tmp_path / 'bin.json').write_bytes(b'\xff\xfe\x00garbage')
    with pytest.raises(ModelFileError, match='bin.json: not a model file'):
        nn.load(tmp_path / 'bin.json')


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


@pytest.mark.parametrize('failing', ['replace', 'fsync'])
def test_failed_save_leaves_old_file_intact_and_no_temporary(tmp_path, monkeypatch, failing):
    path, old_text = saved_text(tmp_path)
    new_model = MLP(2, [3, 1], seed=99)

    def explode(*args, **kwargs):
        raise OSError('disk on fire')

    monkeypatch.setattr(nn.model_file.os, failing, explode)
    with pytest.raises(OSError, match='disk on fire'):
        nn.save(new_model, path)
    monkeypatch.undo()
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ['model.json']
    assert nn.load(path).parameters()[0].data == MLP(2, [3, 1], seed=0).parameters()[0].data


def test_interrupted_write_in_the_middle(tmp_path, monkeypatch):
    """The process dies half-way through writing the text: the target is untouched."""
    path, old_text = saved_text(tmp_path)
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        file = real_fdopen(fd, *args, **kwargs)
        real_write = file.write

        def write(text):
            real_write(text[: len(text) // 2])
            raise KeyboardInterrupt
        file.write = write
        return file

    monkeypatch.setattr(nn.model_file.os, 'fdopen', fdopen)
    with pytest.raises(KeyboardInterrupt):
        nn.save(MLP(2, [3, 1], seed=5), path)
    monkeypatch.undo()
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ['model.json']


def test_save_refuses_non_finite_parameters_and_unknown_models(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.parameters()[2].data = float('inf')
    with pytest.raises(ValueError, match='parameter layers.0.neurons.0.b is inf'):
        nn.save(model, tmp_path / 'm.json')
    assert not (tmp_path / 'm.json').exists()
    with pytest.raises(TypeError, match='can only save a Neuron, Layer or MLP'):
        nn.save(object(), tmp_path / 'm.json')


def test_saved_file_has_ordinary_permissions(tmp_path):
    path = tmp_path / 'm.json'
    nn.save(MLP(2, [1], seed=0), path)
    assert os.stat(path).st_mode & 0o044 == 0o044  # readable by others, unlike a raw mkstemp file
