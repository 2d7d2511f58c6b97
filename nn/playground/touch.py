"""Touching the playground's run: its points, its weights, and a shared address.

The learner can add and remove training points, set a weight by hand, and
hold out part of the data for testing; a page's address can carry the
settings a teacher wants to share. The `Playground` methods that do it
(`add_point`, `remove_point`, `reset_data`, `set_parameter`) live in
session.py; the checks and the arithmetic they share are here, so that
nothing a page sends reaches the run unchecked:

* `load_points`: the generated points, split into training and test points;
* `check_point`, `check_weight`: a point to add, a value to set a weight to;
* `test_score`: the loss and accuracy of the model on the test points;
* `settings_from_address`: the settings of a page's address, each checked
  alone, so one bad value is reported and ignored and the others apply.
"""

import math
from numbers import Real

from .. import datasets as _datasets
from ..train import predicted_class
from . import view
from .settings import DEFAULTS, MAX_POINTS, SettingsError, check_settings

MAX_ADDRESS_SETTINGS = 2 * len(DEFAULTS)  # an address with more names is not one of ours


class Points:
    """The points of a run: training (X, y), test (X_test, y_test), and the plane they are drawn on.

    `extent` is the box ((x low, x high), (y low, y high)) around all the
    generated points; it stays put while the learner adds points, so the
    plane does not move under the mouse, and a point outside it is refused.
    `version` counts the changes, so a page knows when to redraw them.
    """

    def __init__(self, settings):
        options = {'n': settings.n, 'seed': settings.seed}
        if settings.noise is not None:
            options['noise'] = settings.noise
        X, y = _datasets.load(settings.dataset, **options)
        self.extent = view.extent(X)
        if settings.test_fraction:
            from ..validation import hold_out

            (self.X, self.y), (self.X_test, self.y_test) = hold_out(X, y, settings.test_fraction, settings.seed)
        else:
            self.X, self.y, self.X_test, self.y_test = X, y, [], []
        self.version = 0

    def add(self, x, y, label, classes):
        """Append a training point after checking it (see `check_point`); return its index."""
        point, label = check_point(x, y, label, self.extent, classes)
        if len(self.X) >= MAX_POINTS:
            raise SettingsError(f'at most {MAX_POINTS} training points; remove one first')
        self.X.append(point)
        self.y.append(label)
        self.version += 1
        return len(self.X) - 1

    def remove(self, index):
        """Remove training point `index`; return (point, label). The last one stays."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.X):
            raise SettingsError(f'point index must be an int from 0 to {len(self.X) - 1}, got {str(index)[:40]!r}')
        if len(self.X) == 1:
            raise SettingsError('the last training point cannot be removed: the loss needs one')
        self.version += 1
        return self.X.pop(index), self.y.pop(index)


def check_point(x, y, label, extent, classes):
    """([x, y], label) for a point to add: x and y finite numbers inside the
    plane `extent`, label a class from 0 to classes - 1. Raises SettingsError."""
    coordinates = []
    for name, value, (low, high) in (('x', x, extent[0]), ('y', y, extent[1])):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise SettingsError(f'a point\'s {name} must be a finite number, got {str(value)[:40]!r}')
        if not low <= value <= high:
            raise SettingsError(f'the point ({_text(x)}, {_text(y)}) is outside the plane '
                                f'(x from {extent[0][0]:.2f} to {extent[0][1]:.2f}, '
                                f'y from {extent[1][0]:.2f} to {extent[1][1]:.2f})')
        coordinates.append(float(value))
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < classes:
        raise SettingsError(f'a point\'s class must be an int from 0 to {classes - 1}, got {str(label)[:40]!r}')
    return coordinates, label


def check_weight(name, value, names):
    """The float a weight called `name` (one of `names`) is set to: a finite
    number, or text that reads as one ('0.5', '-1e-3'). Raises SettingsError."""
    if not isinstance(name, str) or name not in names:
        raise SettingsError(f'unknown parameter {str(name)[:60]!r}; the names are those of '
                            f'named_parameters(), such as {names[0]!r}')
    if isinstance(value, str):
        from autograd._options import read_number
        try:
            value = read_number(value.strip())
        except ValueError:
            raise SettingsError(f'{name} must be a number, got {value[:40]!r}') from None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SettingsError(f'{name} must be a finite number, got {str(value)[:40]!r}')
    return float(value)


def test_score(model, X_test, y_test, test_targets, loss_fn):
    """(loss, accuracy) of `model` on the test points, without the L2 term
    (as `fit`'s held-out loss: the penalty is about the weights, not the
    points), building no graph."""
    from autograd.engine import no_grad

    from ..validation import outputs_of

    with no_grad():
        outputs = outputs_of(model, X_test)
        loss = loss_fn(outputs, test_targets).data
    right = sum(predicted_class(output) == label for output, label in zip(outputs, y_test))
    return loss, right / len(y_test)


def settings_from_address(changes, current):
    """(accepted, errors): the settings of a page's address that apply to
    `current`, and a message for each one that does not.

    Each setting is checked alone (with those accepted before it), in the
    order of the form, the number of points before the batch size; so one
    bad value is reported and ignored, and the rest still apply.
    """
    if not isinstance(changes, dict) or not all(isinstance(name, str) for name in changes):
        raise SettingsError('the address\'s settings must be an object of names and values')
    if len(changes) > MAX_ADDRESS_SETTINGS:
        raise SettingsError(f'the address has {len(changes)} settings; there are {len(DEFAULTS)}')
    order = [name for name in DEFAULTS if name != 'batch_size'] + ['batch_size']
    names = sorted(changes, key=lambda name: order.index(name) if name in order else len(order))
    accepted, errors = {}, []
    for name in names:
        try:
            check_settings({**accepted, name: changes[name]}, current)
        except SettingsError as error:
            errors.append(str(error))
        else:
            accepted[name] = changes[name]
    return accepted, errors


def _text(value):
    return f'{value:.2f}' if isinstance(value, Real) and not isinstance(value, bool) else str(value)[:20]
