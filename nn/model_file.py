"""Model files: `save(model, path)` and `load(path)`, in JSON.

A file holds a format name and version, the architecture, and every
parameter by its dotted name:

    {"format": "backprop-lab-model", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1],
                      "activation": "relu", "output_activation": "linear", "init": "uniform"},
     "parameters": {"layers.0.neurons.0.w.0": 0.6888437030500962, ...}}

and, for a model trained with points held out (`python -m nn train
--test-fraction F`), how they were chosen: `"split": {"test_fraction": F,
"seed": S}` (nn.hold_out(X, y, F, seed=S) chooses the same points again).

JSON and not pickle: loading a file only ever reads numbers and names, it
cannot run code. Floats are written with `repr`, which reads back to the
same float bit for bit, so a loaded model predicts exactly as the saved one.
Saving is atomic: the file is written under a temporary name in the same
folder, flushed to disk, then renamed over the target, so an interrupted
save leaves either the old file or the new one, never half of one.
"""

import json
import math
import os
import sys

from autograd._files import writable_file, write_atomically
from autograd._validate import is_real

from .gpt import GPT
from .module import ACTIVATIONS, INITS, MLP, Layer, Neuron

FORMAT = 'backprop-lab-model'
VERSION = 1

# The most of a file `load` reads (16 MiB, about 300,000 parameters): the
# memory a load takes is bounded by it.
MAX_BYTES = 16 * 2**20

_LARGEST_FLOAT = int(sys.float_info.max)


class ModelFileError(ValueError):
    """A model file that cannot be loaded: the message names the file and the problem."""


def save(model, path, split=None):
    """Write `model` (a Neuron, Layer or MLP) to the JSON file `path`, atomically.

    `split`, if given, records the held-out data of the run:
    {'test_fraction': F, 'seed': S}, a fraction in (0, 1) and an int.

    If `path` is a symbolic link, the file it points to is replaced and the
    link is kept (as editors do), so a link such as `best.json -> run3.json`
    still points where it did. A folder, a device such as /dev/null, a FIFO
    or a socket at `path` is refused (an OSError), never replaced by a file.
    An error names `path`, never the temporary file the data went to first.
    """
    path = os.fspath(path)
    try:
        writable_file(path)  # a folder, device, FIFO or socket: refused before any work
    except OSError as error:
        raise _renamed(error, path) from None
    document = {
        'format': FORMAT,
        'version': VERSION,
        'architecture': _architecture(model),
        'parameters': {},
    }
    if split is not None:
        document['split'] = _check_split(split)
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f'cannot save {path}: parameter {name} is {p.data!r} (not finite)')
        document['parameters'][name] = p.data
    text = json.dumps(document, indent=1, allow_nan=False) + '\n'
    try:
        write_atomically(path, text)
    except OSError as error:
        raise _renamed(error, path) from None


def _renamed(error, path):
    """The same kind of error (PermissionError stays one), but about the
    user's path: the temporary name in the original message means nothing to them."""
    renamed = type(error)(f'cannot save {path}: {error.strerror or error}')
    renamed.errno = error.errno
    return renamed


def load(path):
    """Read a model written by `save`.

    The whole file is checked before anything is built: its size (at most
    MAX_BYTES), the JSON, every field's type, the layer sizes and the number
    of parameters they make, which must equal the number the file holds, and
    every parameter, a finite number. So a small file cannot ask for a huge
    model, and the memory `load` uses is bounded by the file's size. Every
    problem raises `ModelFileError` naming the file and the problem.
    """
    path = os.fspath(path)

    def fail(problem):
        return ModelFileError(f'{path}: {problem}')

    try:
        with open(path, 'rb') as file:
            data = _read_at_most(file, MAX_BYTES + 1)
    except OSError as error:
        raise fail(f'cannot read: {error.strerror or error}') from None
    if len(data) > MAX_BYTES:
        raise fail(f'larger than {MAX_BYTES // 2**20} MB, the most a model file may be')
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise fail('not a model file (not UTF-8 text)') from None
    if not text.strip():
        raise fail('the file is empty')
    try:
        document = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int,
                              parse_float=_parse_float)
    except _BadNumber as error:
        raise fail(str(error)) from None
    except json.JSONDecodeError as error:
        hint = ' (the file looks truncated)' if error.pos >= len(text.rstrip()) else ''
        raise fail(f'not valid JSON{hint}: {error.msg} at line {error.lineno} column {error.colno}') from None
    except RecursionError:  # json's parser recurses once per nested [ or {
        raise fail('not a model file (JSON nested too deeply)') from None
    except ValueError as error:
        raise fail(f'not valid JSON: {error}') from None

    try:
        architecture, values = _check_document(document)
    except ValueError as error:
        raise fail(str(error)) from None
    # Only now is anything allocated, and no more than the file holds.
    model = _build(architecture)
    expected = dict(model.named_parameters())
    missing = [name for name in expected if name not in values]
    extra = [name for name in values if name not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {missing[0]})')
        if extra:
            parts.append(f'{len(extra)} unexpected (e.g. {_describe(extra[0])})')
        raise fail(f'parameters do not match the architecture '
                   f'({model.num_parameters()} expected): {", ".join(parts)}')
    for name, p in expected.items():
        p.data = float(values[name])
    return model


# --------------------------------------------------------------------------
# Helpers


def _architecture(model):
    if isinstance(model, MLP):
        return {'type': 'MLP', 'nin': model.nin, 'nouts': list(model.nouts),
                'activation': model.activation, 'output_activation': model.output_activation,
                'init': model.init}
    if isinstance(model, Layer):
        return {'type': 'Layer', 'nin': model.nin, 'nout': model.nout,
                'activation': model.activation}
    if isinstance(model, Neuron):
        return {'type': 'Neuron', 'nin': model.nin, 'activation': model.activation, 'init': model.init}
    if isinstance(model, GPT):
        return {'type': 'GPT', **model.architecture()}
    raise TypeError(f'save: can only save a Neuron, Layer or MLP (or a GPT), got {type(model).__name__}')


# The fields of each architecture, and the type each must have.
_FIELDS = {
    'MLP': ('nin', 'nouts', 'activation', 'output_activation', 'init'),
    'Layer': ('nin', 'nout', 'activation'),
    'Neuron': ('nin', 'activation', 'init'),
    'GPT': ('vocab_size', 'n_embd', 'n_head', 'n_layer', 'block_size'),
}


def _check_document(document):
    """The architecture and the parameters of a parsed file, after checking
    everything short of the parameter names; raises ValueError saying what
    is wrong. Allocates nothing: layer sizes are only multiplied."""
    if not isinstance(document, dict):
        raise ValueError(f'expected a JSON object at the top, got {_describe(document)}')
    if document.get('format') != FORMAT:
        raise ValueError(f'not a backprop-lab model file (format is {_describe(document.get("format"))}, '
                         f'expected {FORMAT!r})')
    version = document.get('version')
    if version != VERSION or isinstance(version, bool):
        raise ValueError(f'unknown version {_describe(version)} (this program reads version {VERSION})')
    _check_keys('the file', document, ('format', 'version', 'architecture', 'parameters', 'split'))
    if 'split' in document:
        _check_split(document['split'])
    for key in ('architecture', 'parameters'):
        if not isinstance(document.get(key), dict):
            raise ValueError(f'"{key}" must be a JSON object, got {_describe(document.get(key))}')
    architecture, values = document['architecture'], document['parameters']

    kind = architecture.get('type')
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise ValueError(f'bad architecture: unknown model type {_describe(kind)} '
                         f'(expected MLP, Layer, Neuron or GPT)')
    fields = _FIELDS[kind]
    missing = [field for field in fields if field not in architecture]
    if missing:
        raise ValueError(f'bad architecture: {kind} needs "{missing[0]}"')
    _check_keys('"architecture"', architecture, ('type', *fields))
    for field in ('activation', 'output_activation'):
        if field in fields and architecture[field] not in ACTIVATIONS:
            raise ValueError(f'bad architecture: unknown activation {_describe(architecture[field])} '
                             f'for "{field}"; choose one of {", ".join(ACTIVATIONS)}')
    if 'init' in fields and architecture['init'] not in INITS:
        raise ValueError(f'bad architecture: "init" must be one of {", ".join(INITS)}, '
                         f'got {_describe(architecture["init"])}')
    if kind == 'GPT':
        return _check_gpt(architecture, values)
    if kind == 'MLP':
        nouts = architecture['nouts']
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f'bad architecture: "nouts" must be a non-empty list of layer sizes, '
                             f'got {_describe(nouts)}')
        sizes = [architecture['nin'], *nouts]
    elif kind == 'Layer':
        sizes = [architecture['nin'], architecture['nout']]
    else:
        sizes = [architecture['nin'], 1]
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f'bad architecture: nin must be a positive int, and every layer size '
                             f'too, got {_describe(size)}')
    # A neuron with n inputs has n weights and a bias.
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    _check_values(count, values)
    return architecture, values


def _check_values(count, values):
    """`count` parameters, each a finite number."""
    if count != len(values):
        raise ValueError(f'parameters do not match the architecture ({count} expected): '
                         f'the file holds {len(values)}')
    for name, number in values.items():
        if not is_real(number):
            raise ValueError(f'parameter {name} must be a number, got {_describe(number)}')
        if not math.isfinite(number):
            raise ValueError(f'parameter {name} is not finite: {number!r}')


def _check_gpt(architecture, values):
    """The GPT counterpart of the MLP checks above: sizes, then the parameter count."""
    for field in _FIELDS['GPT']:
        size = architecture[field]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f'bad architecture: "{field}" must be a positive int, got {_describe(size)}')
    n_embd, n_head = architecture['n_embd'], architecture['n_head']
    if n_embd % n_head:
        raise ValueError(f'bad architecture: n_embd={n_embd} must be a multiple of n_head={n_head}')
    # Embeddings and head: (2 vocab + block) x n_embd; each layer: 4 attention
    # matrices and the MLP's two (n_embd x 4 n_embd), 12 n_embd**2 in all.
    count = (n_embd * (2 * architecture['vocab_size'] + architecture['block_size'])
             + architecture['n_layer'] * 12 * n_embd * n_embd)
    _check_values(count, values)
    return architecture, values


def _check_split(split):
    """A split record as save writes it, {'test_fraction': F, 'seed': S}, or ValueError."""
    if not isinstance(split, dict) or set(split) != {'test_fraction', 'seed'}:
        raise ValueError(f'"split" must be an object with "test_fraction" and "seed", got {_describe(split)}')
    fraction, seed = split['test_fraction'], split['seed']
    if not is_real(fraction) or not 0.0 < fraction < 1.0:
        raise ValueError(f'"split": "test_fraction" must be a number between 0 and 1, got {_describe(fraction)}')
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f'"split": "seed" must be an integer, got {_describe(seed)}')
    return {'test_fraction': float(fraction), 'seed': seed}


def _check_keys(where, mapping, allowed):
    unknown = [key for key in mapping if key not in allowed]
    if unknown:
        raise ValueError(f'unknown field {_describe(unknown[0])} in {where}')


def _build(architecture):
    """A fresh model of a checked architecture (parameters to be filled in).
    seed=0 only makes the constructor cheap and deterministic: every
    parameter is overwritten from the file."""
    get = architecture.get
    if get('type') == 'GPT':
        return GPT(**{field: get(field) for field in _FIELDS['GPT']}, seed=0)
    if get('type') == 'MLP':
        return MLP(get('nin'), get('nouts'), get('activation'),
                   output_activation=get('output_activation'), init=get('init'), seed=0)
    if get('type') == 'Layer':
        return Layer(get('nin'), get('nout'), get('activation'), seed=0)
    return Neuron(get('nin'), get('activation'), init=get('init'), seed=0)


def _read_at_most(file, limit):
    """The file's first `limit` bytes (or all of it), read in pieces: one
    read(limit) would reserve `limit` bytes even for a small file."""
    pieces, size = [], 0
    while size < limit:
        piece = file.read(min(2**16, limit - size))
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b''.join(pieces)


class _BadNumber(ValueError):
    """A number in the file that no float can hold."""


def _parse_int(text):
    # Checked by length first: int() of a 100,000-digit string is slow, and
    # Python refuses more than 4300 digits with a message about its own settings.
    digits = len(text.lstrip('-'))
    if digits > 309 or abs(int(text)) > _LARGEST_FLOAT:
        raise _BadNumber(f'the integer {text[:20]}... ({digits} digits) is too large for a float')
    return int(text)


def _parse_float(text):
    number = float(text)
    if math.isinf(number):  # json reads 1e400 as inf, silently
        raise _BadNumber(f'the number {text[:40]} is too large for a float')
    return number


def _reject_constant(name):
    raise _BadNumber(f'the file contains {name}, which is not a number JSON allows')


def _describe(value):
    """A short description of a JSON value for a message (never its whole text)."""
    if isinstance(value, (dict, list)):
        return f'a JSON {"object" if isinstance(value, dict) else "array"}'
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + '...')
    return json.dumps(value)
