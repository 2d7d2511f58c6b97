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
    (lambda text: '[1, 2, 3]', 'expected a JSON object at the top, got a JSON array'),
    (lambda text: edit(text, lambda d: d.update(format='pickle')), 'not a backprop-lab model file'),
    (lambda text: edit(text, lambda d: d.update(version=2)), 'unknown version 2'),
    (lambda text: edit(text, lambda d: d.pop('parameters')), '"parameters" must be a JSON object'),
    (lambda text: edit(text, lambda d: d['architecture'].update(type='CNN')), "unknown model type 'CNN'"),
    (lambda text: edit(text, lambda d: d['architecture'].update(nouts=[4, 1])),
     r'parameters do not match the architecture \(17 expected\): the file holds 13'),
    (lambda text: edit(text, lambda d: d['architecture'].update(nin='2')), 'nin must be a positive int'),
    (lambda text: edit(text, lambda d: d['architecture'].update(activation='swish')), "unknown activation 'swish'"),
    (lambda text: edit(text, lambda d: d['parameters'].pop('layers.1.neurons.0.b')),
     r'\(13 expected\): the file holds 12'),
    (lambda text: edit(text, lambda d: d['parameters'].update({'layers.9.x': 1.0})), 'the file holds 14'),
    (lambda text: edit(text, lambda d: (d['parameters'].pop('layers.1.neurons.0.b'),
                                        d['parameters'].update({'layers.9.x': 1.0}))),
     r"1 missing \(e.g. layers.1.neurons.0.b\), 1 unexpected \(e.g. 'layers.9.x'\)"),
    (lambda text: edit(text, lambda d: d['parameters'].update({'layers.0.neurons.0.w.0': '0.5'})),
     "parameter layers.0.neurons.0.w.0 must be a number, got '0.5'"),
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


# --------------------------------------------------------------------------
# Crafted files: everything is checked before anything is built


def crafted(tmp_path, architecture, parameters=None, **top):
    document = {'format': 'backprop-lab-model', 'version': 1, 'architecture': architecture,
                'parameters': parameters or {}, **top}
    path = tmp_path / 'crafted.json'
    path.write_text(json.dumps(document))
    return path


def peak_bytes_of_load(path):
    import tracemalloc
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as error:
            nn.load(path)
        return tracemalloc.get_traced_memory()[1], str(error.value)
    finally:
        tracemalloc.stop()


MLP_FIELDS = {'type': 'MLP', 'activation': 'relu', 'output_activation': 'linear', 'init': 'uniform'}


def test_a_small_file_asking_for_a_huge_layer_allocates_nothing(tmp_path):
    # About 200 bytes asking for a hidden layer of 100,000,000 units (400,000,001
    # parameters): the sizes are multiplied, never built.
    path = crafted(tmp_path, {**MLP_FIELDS, 'nin': 2, 'nouts': [100_000_000, 1]})
    assert path.stat().st_size < 1000
    peak, message = peak_bytes_of_load(path)
    assert '(400000001 expected): the file holds 0' in message
    assert peak < 100_000, peak


def test_huge_sizes_with_matching_looking_parameters_allocate_nothing(tmp_path):
    # a plausible parameter table, an impossible architecture
    parameters = {f'layers.0.neurons.0.w.{i}': 0.5 for i in range(3)}
    for architecture in ({**MLP_FIELDS, 'nin': 10**300, 'nouts': [1]},
                         {'type': 'Layer', 'nin': 2, 'nout': 10**12, 'activation': 'tanh'},
                         {'type': 'Neuron', 'nin': 10**200, 'activation': 'relu', 'init': 'scaled'}):
        peak, message = peak_bytes_of_load(crafted(tmp_path, architecture, parameters))
        assert 'do not match the architecture' in message and 'the file holds 3' in message
        assert peak < 100_000, (architecture, peak)


@pytest.mark.parametrize('text, message', [
    ('[' * 100_000 + ']' * 100_000, 'nested too deeply'),
    ('{"a": ' * 50_000 + '1' + '}' * 50_000, 'nested too deeply'),
    ('[' * 100_000, 'nested too deeply|truncated'),
    ('{"format": ' + '9' * 5000 + '}', r'the integer 9{20}\.\.\. \(5000 digits\) is too large for a float'),
    ('{"format": 1' + '0' * 400 + '}', r'\(401 digits\) is too large for a float'),
    ('{"format": 1e400}', 'the number 1e400 is too large for a float'),
    ('{"format": -Infinity}', '-Infinity, which is not a number JSON allows'),
])
def test_hostile_json_is_a_model_file_error(tmp_path, text, message):
    path = tmp_path / 'hostile.json'
    path.write_text(text)
    with pytest.raises(ModelFileError, match=message) as error:
        nn.load(path)
    assert str(error.value).startswith(f'{path}: ')


def test_numbers_too_large_for_a_float_in_the_parameters(tmp_path):
    path, text = saved_text(tmp_path)
    for number, message in (('1e999', 'the number 1e999 is too large'),
                            ('1' + '0' * 309, r'\(310 digits\) is too large'),
                            (str(2**1024), 'too large for a float')):
        path.write_text(text.replace('"layers.0.neurons.0.b": 0.0', f'"layers.0.neurons.0.b": {number}'))
        with pytest.raises(ModelFileError, match=message):
            nn.load(path)
    # the largest float itself, written as an integer, is a number like any other
    largest = int(1.7976931348623157e308)
    path.write_text(text.replace('"layers.0.neurons.0.b": 0.0', f'"layers.0.neurons.0.b": {largest}'))
    assert nn.load(path).layers[0].neurons[0].b.data == 1.7976931348623157e308


@pytest.mark.parametrize('architecture, message', [
    ({**MLP_FIELDS, 'nin': 2, 'nouts': []}, '"nouts" must be a non-empty list'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': {'a': 1}}, '"nouts" must be a non-empty list of layer sizes, got a JSON object'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [3, 0]}, 'every layer size too, got 0'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [3, -1]}, 'got -1'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [True]}, 'got true'),
    ({**MLP_FIELDS, 'nin': 2.0, 'nouts': [1]}, 'nin must be a positive int.*got 2.0'),
    ({**MLP_FIELDS, 'nin': [[[2]]], 'nouts': [1]}, 'got a JSON array'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [1], 'init': 'zeros'}, '"init" must be one of uniform, scaled'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [1], 'output_activation': None},
     'unknown activation null for "output_activation"'),
    ({**MLP_FIELDS, 'nin': 2, 'nouts': [1], 'dropout': 0.5}, 'unknown field \'dropout\' in "architecture"'),
    ({'type': 'MLP', 'nin': 2, 'nouts': [1]}, 'MLP needs "activation"'),
    ({'type': ['MLP'], 'nin': 2}, 'unknown model type a JSON array'),
    ({'type': 'Layer', 'nin': 2, 'nout': '3', 'activation': 'relu'}, "got '3'"),
])
def test_bad_architectures_are_refused_before_building(tmp_path, architecture, message):
    with pytest.raises(ModelFileError, match=message):
        nn.load(crafted(tmp_path, architecture))


def test_unknown_top_level_field(tmp_path):
    path = crafted(tmp_path, {**MLP_FIELDS, 'nin': 1, 'nouts': [1]},
                   {'layers.0.neurons.0.w.0': 1.0, 'layers.0.neurons.0.b': 0.0}, comment='hi')
    with pytest.raises(ModelFileError, match="unknown field 'comment' in the file"):
        nn.load(path)


def test_parameter_values_must_be_plain_numbers(tmp_path):
    names = ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.b']
    for bad, shown in (([0.5], 'a JSON array'), ({'x': 1}, 'a JSON object'), (None, 'null'),
                       ('x' * 1000, "'" + 'x' * 37 + "...'")):
        path = crafted(tmp_path, {**MLP_FIELDS, 'nin': 1, 'nouts': [1]}, {names[0]: bad, names[1]: 0.0})
        with pytest.raises(ModelFileError, match='must be a number') as error:
            nn.load(path)
        assert str(error.value).endswith(f'got {shown}')
        assert len(str(error.value)) < len(str(path)) + 120  # never the whole value


def test_file_size_is_capped(tmp_path):
    path = tmp_path / 'big.json'
    with open(path, 'wb') as file:
        file.truncate(nn.model_file.MAX_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ModelFileError, match='larger than 16 MB'):
        nn.load(path)
    if os.path.exists('/dev/zero'):  # an endless file: read up to the cap, then refused
        with pytest.raises(ModelFileError, match='/dev/zero: larger than 16 MB'):
            nn.load('/dev/zero')


def test_a_folder_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match='cannot read'):
        nn.load(tmp_path)


# --------------------------------------------------------------------------
# Saving: errors name the target; a symlink is written through


def test_save_errors_name_the_target_not_the_temporary_file(tmp_path):
    path = tmp_path / 'no such folder' / 'model.json'
    with pytest.raises(FileNotFoundError) as error:
        nn.save(MLP(2, [1], seed=0), path)
    message = str(error.value)
    assert message.startswith(f'cannot save {path}: ') and '.tmp' not in message
    assert error.value.errno == 2


def test_save_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / 'runs' / 'run3.json'
    target.parent.mkdir()
    nn.save(MLP(2, [1], seed=0), target)
    os.chmod(target, 0o640)
    link = tmp_path / 'best.json'
    link.symlink_to(os.path.relpath(target, tmp_path))
    nn.save(MLP(2, [1], seed=7), link)
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(target, tmp_path)
    assert nn.load(target).parameters()[0].data == MLP(2, [1], seed=7).parameters()[0].data
    assert os.stat(target).st_mode & 0o777 == 0o640  # the target keeps its permissions
    assert sorted(os.listdir(target.parent)) == ['run3.json']  # no temporary left behind


def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / 'latest.json'
    link.symlink_to('first.json')
    nn.save(MLP(2, [1], seed=0), link)
    assert link.is_symlink() and (tmp_path / 'first.json').is_file()
