"""The operations `autograd.exercises.check` grades, and the check of one.

`OPERATIONS` is the table: for each operation (`+`, `-`, ..., `cos`) the
methods a learner's class must define, the forms Python writes it in (`x * y`,
`x * 2`, `2 * x`), the derivative in words, and a function that recognises a
tell-tale wrong local derivative. `check_operation(Value, operation)` applies
each form to the learner's class, compares the value with math's, then each
input's gradient with a central difference (f(x + h) - f(x - h)) / 2h, walking
the learner's graph in an order computed here so that an operation is graded
before the learner's `backward()` exists.

A check raises `Failed` (what came out, what was expected, the likely cause)
or `ToDo` (something the class does not have yet); `exercises.run` turns
either into a row of the report.
"""

import math
import os
import traceback

from . import _time_limit

STEP = 1e-6  # the central difference's h: balances O(h**2) truncation and rounding
# Frames in these files are the grader's own, never the place to show a learner.
GRADER_FILES = {__file__, _time_limit.__file__, os.path.join(os.path.dirname(__file__), 'exercises.py')}


class Failed(Exception):
    """Raised by a check: what came out against what was expected, and why."""

    def __init__(self, message, hint=''):
        super().__init__(message)
        self.message, self.hint = message, hint


class ToDo(Exception):
    """Raised by a check that needs something the class does not have yet."""


# --------------------------------------------------------------------------
# Where a learner's error came from


def where(error):
    """' (in __add__, line 12)': the innermost frame of the traceback outside the grader."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename not in GRADER_FILES]
    if not frames:
        return ''
    return f' (in {frames[-1].name}, line {frames[-1].lineno})'


# --------------------------------------------------------------------------
# Walking the learner's graph without trusting its backward()


def parents_of(node):
    return tuple(getattr(node, '_prev', ()) or ())


def topo_order(root):
    """Every node reachable through `_prev`, parents before children, without
    recursion. Nodes are told apart by identity (a learner's class may define
    __eq__ or no __hash__)."""
    order, seen = [], {id(root)}
    stack = [(root, iter(parents_of(root)))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parents_of(parent))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def push_gradients(out, seed):
    """out.grad = seed, then every node's `_backward()` in reverse topological order."""
    out.grad = seed
    for node in reversed(topo_order(out)):
        node._backward()


def close(got, expected, rtol=1e-6, atol=1e-9):
    try:
        return abs(got - expected) <= atol + rtol * abs(expected)
    except TypeError:
        return False


def show(number):
    return f'{number:.6g}' if isinstance(number, (int, float)) else repr(number)


# --------------------------------------------------------------------------
# The operations: how each is written, where it is evaluated, its derivative


class Form:
    """One way of writing an operation, e.g. '2 / x'. `apply(x, y)` takes the
    learner's Values; `reference(x, y)` takes floats (by default the same
    function, since operators work on both); `at` is the point (x, y).
    `swapped` is what a reflected form gives with its operands swapped
    (`x - 1` for `1 - x`), a mistake worth naming."""

    def __init__(self, text, apply, reference=None, at=(1.5, -0.8), swapped=None, exponent=None):
        self.text, self.apply, self.at = text, apply, at
        self.reference = reference or apply
        self.inputs = 'xy' if 'y' in text else 'x'
        self.swapped, self.exponent = swapped, exponent


class Operation:
    """A row of the report: the methods that must exist, the forms tried, the
    derivative in words (for hints), and a function that recognises a
    tell-tale wrong local derivative."""

    def __init__(self, key, name, methods, forms, derivative, telltale=None):
        self.key, self.name, self.methods, self.forms = key, name, methods, forms
        self.derivative, self.telltale = derivative, telltale


def _exp_telltale(form, x, y, local, wrt):
    if close(local, x):
        return "exp's backward multiplies by x (self.data); d/dx exp(x) = exp(x), which is out.data"
    return None


def _tanh_telltale(form, x, y, local, wrt):
    if close(local, 1 - x * x):
        return "tanh's backward uses x; d/dx tanh(x) = 1 - t**2 with t = tanh(x) = out.data"
    return None


def _mul_telltale(form, x, y, local, wrt):
    if form.text == 'x * y' and close(local, x if wrt == 'x' else y):
        return 'the operands are swapped: d(x*y)/dx = y (other.data), d(x*y)/dy = x (self.data)'
    return None


def _sub_telltale(form, x, y, local, wrt):
    if form.text == '1 - x':
        return 'd(1 - x)/dx = -1: __rsub__ must compute other - self, e.g. other + (-self)'
    if wrt == 'y':
        return 'd(x - y)/dy = -1: subtract through negation, x + (-y), or push -out.grad into other.grad'
    return None


def _power_telltale(form, x, y, local, wrt):
    n = form.exponent
    if close(local, n * x ** n):
        return 'd/dx x**n = n * x**(n-1): the exponent in the derivative is n - 1'
    return None


def _power(n):
    return Form(f'x ** {n}', lambda x, y: x ** n, exponent=n)


OPERATIONS = [
    Operation('+', 'x + y', ['__add__', '__radd__'], [
        Form('x + y', lambda x, y: x + y),
        Form('x + 2', lambda x, y: x + 2),
        Form('2 + x', lambda x, y: 2 + x),
    ], 'd(x+y)/dx = 1, d(x+y)/dy = 1'),
    Operation('-', 'x - y and 1 - x (sign)', ['__sub__', '__rsub__'], [
        Form('x - y', lambda x, y: x - y),
        Form('x - 2', lambda x, y: x - 2),
        Form('1 - x', lambda x, y: 1 - x, swapped=lambda x, y: x - 1),
    ], 'd(x-y)/dx = 1, d(x-y)/dy = -1, d(1-x)/dx = -1', _sub_telltale),
    Operation('*', 'x * y', ['__mul__', '__rmul__'], [
        Form('x * y', lambda x, y: x * y),
        Form('x * 2', lambda x, y: x * 2),
        Form('2 * x', lambda x, y: 2 * x),
    ], 'd(x*y)/dx = y, d(x*y)/dy = x', _mul_telltale),
    Operation('/', 'x / y', ['__truediv__', '__rtruediv__'], [
        Form('x / y', lambda x, y: x / y),
        Form('x / 2', lambda x, y: x / 2),
        Form('2 / x', lambda x, y: 2 / x, swapped=lambda x, y: x / 2),
    ], 'd(x/y)/dx = 1/y, d(x/y)/dy = -x/y**2, d(2/x)/dx = -2/x**2'),
    Operation('**', 'x ** n', ['__pow__'], [_power(2), _power(3), _power(-1), _power(0.5)],
              'd/dx x**n = n * x**(n-1)', _power_telltale),
    Operation('neg', '-x', ['__neg__'], [Form('-x', lambda x, y: -x)], 'd(-x)/dx = -1'),
    Operation('exp', 'x.exp()', ['exp'], [Form('x.exp()', lambda x, y: x.exp(), lambda x, y: math.exp(x))],
              'd/dx exp(x) = exp(x) = out.data', _exp_telltale),
    Operation('log', 'x.log()', ['log'], [Form('x.log()', lambda x, y: x.log(), lambda x, y: math.log(x))],
              'd/dx log(x) = 1/x'),
    Operation('tanh', 'x.tanh()', ['tanh'], [
        Form('x.tanh()', lambda x, y: x.tanh(), lambda x, y: math.tanh(x)),
        Form('x.tanh()', lambda x, y: x.tanh(), lambda x, y: math.tanh(x), at=(-0.4, 0.0)),
    ], 'd/dx tanh(x) = 1 - tanh(x)**2 = 1 - out.data**2', _tanh_telltale),
    Operation('relu', 'x.relu()', ['relu'], [
        Form('x.relu()', lambda x, y: x.relu(), lambda x, y: max(0.0, x)),
        Form('x.relu()', lambda x, y: x.relu(), lambda x, y: max(0.0, x), at=(-0.5, 0.0)),
    ], 'd/dx relu(x) = 1 if x > 0 else 0'),
    Operation('sin', 'x.sin()', ['sin'], [Form('x.sin()', lambda x, y: x.sin(), lambda x, y: math.sin(x))],
              'd/dx sin(x) = cos(x)'),
    Operation('cos', 'x.cos()', ['cos'], [Form('x.cos()', lambda x, y: x.cos(), lambda x, y: math.cos(x))],
              'd/dx cos(x) = -sin(x)'),
]
OPERATION_KEYS = [operation.key for operation in OPERATIONS]
OPERATIONS_BY_KEY = {operation.key: operation for operation in OPERATIONS}

# The method Python calls for `2 + x`, `2 - x`, ...: int cannot add a Value.
_REFLECTED = {'+': '__radd__', '-': '__rsub__', '*': '__rmul__', '/': '__rtruediv__'}


def central_difference(reference, point, wrt):
    """d reference / d wrt at point, as (f(v + h) - f(v - h)) / 2h."""
    index = 'xy'.index(wrt)

    def at(shift):
        moved = list(point)
        moved[index] += shift
        return reference(*moved)

    return (at(STEP) - at(-STEP)) / (2 * STEP)


def at_text(form):
    """'x = 1.5, y = -0.8': the point, naming only the inputs the form uses."""
    return ', '.join(f'{name} = {show(value)}' for name, value in zip('xy', form.at) if name in form.inputs)


def apply_form(Value, form):
    """The form applied to fresh leaves: (x, y, out), or Failed when it breaks."""
    x, y = Value(form.at[0]), Value(form.at[1])
    try:
        out = form.apply(x, y)
    except (TypeError, AttributeError) as error:
        raise Failed(f'{form.text} raised {type(error).__name__}: {error}{where(error)}',
                     _operand_hint(form, error)) from None
    if not hasattr(out, 'data') or not hasattr(out, 'grad'):
        raise Failed(f'{form.text} returned {type(out).__name__} {out!r}, expected a Value',
                     'return the new Value (out), not its number')
    return x, y, out


def _operand_hint(form, error):
    text = str(error)
    if 'unsupported operand' in text and form.text[0].isdigit():
        method = _REFLECTED.get(form.text.split()[1])
        return f'Python calls {method} for {form.text} when int has no way to do it: define {method}'
    if "has no attribute 'data'" in text:
        return 'wrap plain numbers: other = other if isinstance(other, Value) else Value(other)'
    return ''


def check_operation(Value, operation):
    """Each form: the value against math, then each input's gradient against a
    central difference, with out.grad = 2 so that a missing `* out.grad` shows."""
    seed = 2.0
    for form in operation.forms:
        x, y, out = apply_form(Value, form)
        expected = form.reference(*form.at)
        if not close(out.data, expected, rtol=1e-9, atol=1e-12):
            raise Failed(f'{form.text} at {at_text(form)}: data = {show(out.data)}, expected {show(expected)}',
                         _value_hint(form, out.data))
        push_gradients(out, seed)
        for name, leaf in zip('xy', (x, y)):
            if name not in form.inputs:
                continue
            slope = central_difference(form.reference, form.at, name)
            if not close(leaf.grad, seed * slope, rtol=1e-5, atol=1e-6):
                raise Failed(f'{form.text} at {at_text(form)}: with out.grad = {show(seed)}, '
                             f'{name}.grad = {show(leaf.grad)}, expected {show(seed * slope)} '
                             f'(central difference)',
                             _gradient_hint(operation, form, name, leaf.grad, seed, slope))


def _value_hint(form, got):
    if form.swapped and close(got, form.swapped(*form.at)):
        method = _REFLECTED[form.text.split()[1]]
        number, symbol = form.text.split()[:2]
        return (f'the operands are swapped: Python runs {form.text} as x.{method}({number}), so self is x '
                f'and other is {number}: compute other {symbol} self')
    return 'the forward value is wrong'


def _gradient_hint(operation, form, wrt, got, seed, slope):
    local = got / seed
    if operation.telltale:
        hint = operation.telltale(form, *form.at, local, wrt)
        if hint:
            return hint
    if got == 0:
        return (f'nothing reached {wrt}.grad: set out._backward to a function that adds into the '
                f'parents\' .grad ({operation.derivative})')
    if close(got, slope):
        return f'multiply the local derivative by out.grad (the chain rule): {wrt}.grad += local * out.grad'
    if close(got, -seed * slope):
        return f'a sign slip: {operation.derivative}'
    return f'check the local derivative: {operation.derivative}'
