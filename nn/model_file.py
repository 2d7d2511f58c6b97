"""Model files: `save(model, path)` and `load(path)`, in JSON.

A file holds a format name and version, the architecture, and every
parameter by its dotted name:

    {"format": "backprop-lab-model", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1],
                      "activation": "relu", "output_activation": "linear", "init": "uniform"},
     "parameters": {"layers.0.neurons.0.w.0": 0.6888437030500962, ...}}

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

from autograd._files import write_atomically
from autograd._validate import is_real

from .gpt import GPT
from .module import ACTIVATIONS, INITS, MLP, Layer, Neuron

FORMAT = 'backprop-lab-model'
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be loaded: the message names the file and the problem."""


def save(model, path):
    """Write `model` (a Neuron, Layer or MLP) to the JSON file `path`, atomically."""
    document = {
        'format': FORMAT,
        'version': VERSION,
        'architecture': _architecture(model),
        'parameters': {},
    }
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f'cannot save {path}: parameter {name} is {p.data!r} (not finite)')
        document['parameters'][name] = p.data
    text = json.dumps(document, indent=1, allow_nan=False) + '\n'
    write_atomically(path, text)


def load(path):
    """Read a model written by `save`. Raises `ModelFileError` naming the file
    and the problem for a corrupt, truncated or mismatched file."""
    path = os.fspath(path)
    try:
        with open(path, encoding='utf-8') as file:
            text = file.read()
    except OSError as error:
        raise ModelFileError(f'{path}: cannot read: {error.strerror or error}') from None
    except UnicodeDecodeError:
        raise ModelFileError(f'{path}: not a model file (not UTF-8 text)') from None

    def fail(problem):
        return ModelFileError(f'{path}: {problem}')

    if not text.strip():
        raise fail('the file is empty')
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        hint = ' (the file looks truncated)' if error.pos >= len(text.rstrip()) else ''
        raise fail(f'not valid JSON{hint}: {error.msg} at line {error.lineno} column {error.colno}') from None
    except ValueError as error:
        raise fail(str(error)) from None
    if not isinstance(document, dict):
        raise fail(f'expected a JSON object at the top, got {type(document).__name__}')
    if document.get('format') != FORMAT:
        raise fail(f'not a backprop-lab model file (format is {document.get("format")!r}, '
                   f'expected {FORMAT!r})')
    version = document.get('version')
    if version != VERSION or isinstance(version, bool):
        raise fail(f'unknown version {version!r} (this program reads version {VERSION})')
    for key in ('architecture', 'parameters'):
        if not isinstance(document.get(key), dict):
            raise fail(f'"{key}" must be a JSON object, got {type(document.get(key)).__name__}')

    try:
        model = _build(document['architecture'])
    except (TypeError, ValueError) as error:
        raise fail(f'bad architecture: {error}') from None

    values = document['parameters']
    expected = dict(model.named_parameters())
    missing = [name for name in expected if name not in values]
    extra = [name for name in values if name not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {missing[0]})')
        if extra:
            parts.append(f'{len(extra)} unexpected (e.g. {extra[0]})')
        raise fail(f'parameters do not match the architecture '
                   f'({model.num_parameters()} expected): {", ".join(parts)}')
    for name, p in expected.items():
        number = values[name]
        if not is_real(number):
            raise fail(f'parameter {name} must be a number, got {json.dumps(number)[:40]}')
        if not math.isfinite(number):
            raise fail(f'parameter {name} is not finite: {number!r}')
        p.data = float(number)
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


def _build(architecture):
    """A fresh model of the given architecture (parameters to be filled in)."""
    kind = architecture.get('type')
    fields = {
        'MLP': ('nin', 'nouts', 'activation', 'output_activation', 'init'),
        'Layer': ('nin', 'nout', 'activation'),
        'Neuron': ('nin', 'activation', 'init'),
        'GPT': ('vocab_size', 'n_embd', 'n_head', 'n_layer', 'block_size'),
    }
    if kind not in fields:
        raise ValueError(f'unknown model type {kind!r} (expected MLP, Layer, Neuron or GPT)')
    missing = [field for field in fields[kind] if field not in architecture]
    if missing:
        raise ValueError(f'{kind} needs "{missing[0]}"')
    get = architecture.get
    for field in ('activation', 'output_activation'):
        if field in fields[kind] and not isinstance(get(field), str):
            raise TypeError(f'"{field}" must be one of {", ".join(ACTIVATIONS)}, got {get(field)!r}')
    if 'init' in fields[kind] and get('init') not in INITS:
        raise ValueError(f'"init" must be one of {", ".join(INITS)}, got {get("init")!r}')
    # seed=0 only makes the constructor cheap and deterministic: every
    # parameter is overwritten from the file.
    if kind == 'GPT':
        return GPT(**{field: get(field) for field in fields['GPT']}, seed=0)
    if kind == 'MLP':
        if not isinstance(get('nouts'), list):
            raise TypeError(f'"nouts" must be a list of layer sizes, got {get("nouts")!r}')
        return MLP(get('nin'), get('nouts'), get('activation'),
                   output_activation=get('output_activation'), init=get('init'), seed=0)
    if kind == 'Layer':
        return Layer(get('nin'), get('nout'), get('activation'), seed=0)
    return Neuron(get('nin'), get('activation'), init=get('init'), seed=0)


def _reject_constant(name):
    raise ValueError(f'the file contains {name}, which is not a number JSON allows')


