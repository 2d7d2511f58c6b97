"""The playground's settings: their names, defaults, limits and the checks.

Every setting a page or the command line sends is checked here against a
fixed list of names, types and ranges (`check_settings`); nothing a page
sends is evaluated. Text from a web form is accepted where a number is
expected ('0.05', '16,16'). `choices()` lists what the page's menus offer,
so the page repeats none of it.
"""

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from numbers import Real

from .. import datasets as _datasets
from .. import losses as _losses
from .. import optim as _optim

# Limits that keep one step well under a second on a laptop; a setting
# outside them is refused with a message, never clipped silently.
MAX_NEURONS = 64
MAX_LAYERS = 4
MAX_POINTS = 500
# A step's time grows as (points per step) x (parameters): about 6 us each on
# the project's 2-core machine when busy, 2-3 us idle (benchmarks/playground.py).
# The state a page is sent grows with the parameters alone (the parameter
# table, the graph of every operation): 0.2 s and 1.5 MB of JSON at 2,500.
MAX_STEP_COST = 100_000
MAX_PARAMETERS = 2_500
MAX_LR = 10.0
MAX_NOISE = 2.0
MAX_L2 = 1.0
MAX_TEST_FRACTION = 0.9
ACTIVATIONS = ('relu', 'tanh', 'sigmoid')

# Settings after which the data or the network is new: the run starts over.
RESETTING = ('dataset', 'hidden', 'activation', 'loss', 'optimizer', 'n', 'noise', 'seed', 'test_fraction')
# Settings that make the points: the others keep the points the learner edited.
DATA_SETTINGS = ('dataset', 'n', 'noise', 'seed', 'test_fraction')


class SettingsError(ValueError):
    """A setting the playground refuses; the message names the setting and the accepted range."""


@dataclass(frozen=True, eq=False)
class Settings(Mapping):
    """One checked set of settings (made by `check_settings`).

    Also a read-only mapping of the names to the values, so that it compares
    equal to a dict of the same items and goes into a state as JSON.
    """

    dataset: str = 'moons'
    hidden: tuple = (16, 16)
    activation: str = 'relu'
    loss: str = 'hinge'
    optimizer: str = 'adam'
    lr: float = 0.05
    batch_size: int = None  # None: the whole dataset every step
    n: int = 100
    noise: float = 0.1
    seed: int = 0
    l2: float = 1e-4            # the weight of the L2 penalty in the training loss
    test_fraction: float = 0.0  # the fraction of the n points held out for testing (0: none)

    def __getitem__(self, name):
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self):
        return iter(self.__dataclass_fields__)

    def __len__(self):
        return len(self.__dataclass_fields__)

    def as_json(self):
        """A dict for a state: the hidden sizes as a list."""
        return {**asdict(self), 'hidden': list(self.hidden)}

    @property
    def classes(self):
        """How many classes the dataset has (its default number)."""
        return classes_of(self.dataset)


DEFAULTS = dict(Settings())


def choices():
    """What the page's menus offer, by setting: datasets, activations, losses, optimizers."""
    return {'dataset': list(_datasets.DATASETS), 'activation': list(ACTIVATIONS),
            'loss': list(_losses.LOSSES), 'optimizer': sorted(_optim.OPTIMIZERS)}


def check_settings(changes, current=None):
    """The full Settings after applying `changes` (a dict) to `current` (the defaults if None).

    Every value is checked; text from a web form is accepted where a number
    is expected ('0.05', '16,16'). Raises SettingsError naming the first bad
    setting; `current` is never modified. A two-class loss (hinge, bce) on
    a dataset of more classes becomes cross_entropy unless the same call
    asked for it explicitly.
    """
    if not isinstance(changes, dict):
        raise SettingsError(f'settings must be a mapping of names to values, got {type(changes).__name__}')
    unknown = sorted(str(name) for name in changes if name not in DEFAULTS)
    if unknown:
        raise SettingsError(f'unknown setting {unknown[0]!r}; the settings are {", ".join(DEFAULTS)}')
    settings = dict(DEFAULTS if current is None else current)
    settings.update(changes)
    for name, menu in choices().items():
        settings[name] = _choice(name, settings[name], sorted(menu) if name == 'dataset' else menu)
    settings['hidden'] = _hidden(settings['hidden'])
    settings['lr'] = _number('learning rate', settings['lr'], 0.0, MAX_LR, low_open=True)
    settings['n'] = _integer('n (number of points)', settings['n'], 10, MAX_POINTS)
    if settings['noise'] is not None:
        settings['noise'] = _number('noise', settings['noise'], 0.0, MAX_NOISE)
    settings['seed'] = _integer('seed', settings['seed'], 0, 2**31 - 1)
    settings['l2'] = _number('L2 strength', settings['l2'], 0.0, MAX_L2)
    settings['test_fraction'] = _test_fraction(settings['test_fraction'], settings['n'])
    if settings['batch_size'] in (None, '', 'all'):
        settings['batch_size'] = None
    else:
        settings['batch_size'] = _integer('batch size', settings['batch_size'], 1, settings['n'])
    classes = classes_of(settings['dataset'])
    if classes > 2 and settings['loss'] in _losses.BINARY:
        if 'loss' in changes:
            raise SettingsError(f"loss {settings['loss']!r} is for two classes, but "
                                f"{settings['dataset']} has {classes}; use cross_entropy or mse")
        settings['loss'] = 'cross_entropy'
    _check_cost(settings, classes)
    return Settings(**settings)


def parameter_count(hidden, outputs):
    """The weights and biases of MLP(2, [*hidden, outputs])."""
    sizes = [2, *hidden, outputs]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def _check_cost(settings, classes):
    """Refuse a network or a batch that would make a step slow (MAX_PARAMETERS,
    MAX_STEP_COST), naming the limit and what to lower."""
    parameters = parameter_count(settings['hidden'], _losses.num_outputs(settings['loss'], classes))
    if parameters > MAX_PARAMETERS:
        raise SettingsError(f"hidden layers {','.join(map(str, settings['hidden']))} make "
                            f'{parameters:,} parameters; at most {MAX_PARAMETERS:,} keep the '
                            f'page responsive: use fewer or smaller layers')
    points = settings['batch_size'] or settings['n']
    if points * parameters > MAX_STEP_COST:
        raise SettingsError(f'{points} points per step x {parameters:,} parameters = '
                            f'{points * parameters:,}; at most {MAX_STEP_COST:,} keep a step under '
                            f'a second: use fewer points, a smaller batch size or a smaller network')


def classes_of(dataset):
    """The default number of classes of a dataset."""
    return 3 if dataset in _datasets.MULTICLASS else 2


def _choice(what, value, choices):
    if value not in choices:
        raise SettingsError(f'unknown {what} {str(value)[:40]!r}; choose one of {", ".join(choices)}')
    return value


def _number(what, value, low, high, low_open=False):
    if isinstance(value, str):  # the rule of every command's options: autograd._options
        from autograd._options import read_number
        try:
            value = read_number(value)  # the page trims its fields; so must other callers
        except ValueError:
            raise SettingsError(f'{what} must be a number, got {value[:40]!r}') from None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SettingsError(f'{what} must be a finite number, got {str(value)[:40]!r}')
    if value < low or (low_open and value == low) or value > high:
        relation = '>' if low_open else '>='
        raise SettingsError(f'{what} must be {relation} {low:g} and <= {high:g}, got {value:g}')
    return float(value)


def _integer(what, value, low, high):
    if isinstance(value, str):  # ASCII digits only: not '+5', '1_6' or '١٦' (autograd._options)
        from autograd._options import read_int
        try:
            value = read_int(value)
        except ValueError:
            raise SettingsError(f'{what} must be a whole number, got {value[:40]!r}') from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f'{what} must be a whole number, got {str(value)[:40]!r}')
    if not low <= value <= high:
        raise SettingsError(f'{what} must be from {low} to {high}, got {value}')
    return value


def _test_fraction(value, n):
    """0 (no test points) or a fraction that holds out at least one of the n points and keeps one."""
    fraction = _number('test fraction', value, 0.0, MAX_TEST_FRACTION)
    if fraction:
        from ..validation import test_count
        try:
            test_count(n, fraction)
        except ValueError as error:
            raise SettingsError(str(error)) from None
    return fraction


def _hidden(value):
    """Hidden layer sizes from a list of ints or text such as '16,16' ('' for none).

    The same rule as `python -m nn train --hidden`: sizes separated by commas,
    spaces allowed around them; an empty size ('16,', ',,,') or a space inside
    one ('1 6') is refused, not read as something else."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(',')] if value.strip() else []
        if any(not part or ' ' in part for part in parts):
            raise SettingsError(f"hidden layers must be sizes separated by commas such as 16,16 "
                                f"('' for none), got {value[:40]!r}")
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise SettingsError(f'hidden layers must be sizes such as 16,16, got {str(value)[:40]!r}')
    if len(parts) > MAX_LAYERS:
        raise SettingsError(f'at most {MAX_LAYERS} hidden layers, got {len(parts)}')
    return tuple(_integer('neurons per layer', part, 1, MAX_NEURONS) for part in parts)
