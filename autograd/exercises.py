"""`check(Value)`: grade your own micrograd-style `Value` class.

    >>> from autograd.exercises import check
    >>> report = check(MyValue)          # doctest: +SKIP
    >>> report.ok, report['a + a, a * a'].passed        # doctest: +SKIP

The class is duck-typed: `Value(number)` makes a leaf with `.data`, `.grad`
(0 to start), `._prev` (its parents) and `._backward()` (pushes `out.grad`
into the parents' `.grad`); `.backward()` fills every gradient from the
output back; operators and methods (`exp`, `tanh`, ...) make new Values.

What is checked, one row each:

* construction and repr;
* each operation: its value, and its local gradient against a central
  difference, (f(x + h) - f(x - h)) / 2h, in every form Python uses: `x * y`,
  `x * 2` and `2 * x` (which calls `__rmul__`), and so on. These rows call
  the operation's `_backward()` directly (walking `_prev` in an order this
  module computes), so they grade an operation before `backward()` exists;
* the classic mistakes, each in a row that names it: `a + a` and `a * a`
  (`=` instead of `+=`), parents recorded (`_prev`), the sign of `x - y` and
  `1 - x`, shared subexpressions (a backward without a topological order),
  a long chain (Python's recursion limit), `backward()` twice (interior
  grads not reset), gradients adding up across calls (the job of
  `zero_grad`), and a small MLP's gradients and step against this project's
  engine.

Operations the class does not have yet, or whose body raises
`NotImplementedError`, are "to do", not failures.

Why `sys.settrace` for the time limit. A check must stop a learner's
backward that loops forever or walks 2**40 paths. A thread cannot be killed;
a subprocess would need the learner's class importable, and in a notebook it
lives in `__main__`; `signal.setitimer` works only in the main thread and
not on Windows. A trace function runs on every line and call of Python
code, in whatever thread and kernel calls `check`, and an exception it
raises surfaces inside the learner's code, so it can stop it there. The
cost is that traced code runs several times slower, which these small
checks afford. Two limits: a loop inside a C function (no Python lines run)
is not interrupted, and a bare `except:` in the learner's code can swallow
the interruption (it is a BaseException, so `except Exception` cannot).
An active debugger or coverage tracer is paused during a check and restored.
"""

import math
import sys
import textwrap
import time
import traceback

__all__ = ['check', 'Report', 'Row', 'OPERATIONS']

TIME_LIMIT_SECONDS = 3.0
CHAIN_LENGTH = 5000  # operations; several times Python's default recursion limit
LADDER_LEVELS = 40  # each level uses the one below twice: 2**40 paths
REPORT_WIDTH = 100  # characters per printed line
STEP = 1e-6  # the central difference's h: balances O(h**2) truncation and rounding


# --------------------------------------------------------------------------
# The report


class Row:
    """One check: `.name`, `.status` ('passed', 'failed' or 'to do'),
    `.message` (what was expected and what came out), `.hint` (the likely
    cause, for a failure)."""

    __slots__ = ('name', 'status', 'message', 'hint')

    def __init__(self, name, status, message='', hint=''):
        self.name, self.status, self.message, self.hint = name, status, message, hint

    @property
    def passed(self):
        return self.status == 'passed'

    def __repr__(self):
        return f'Row({self.name!r}, {self.status!r}, {self.message!r})'


class Report:
    """What `check` found: `.ok` (no check failed; to-dos are allowed),
    `.rows`, `report[name]` for one row; printed as a table."""

    def __init__(self, class_name, rows):
        self.class_name = class_name
        self.rows = rows

    @property
    def ok(self):
        return not any(row.status == 'failed' for row in self.rows)

    def count(self, status):
        return sum(row.status == status for row in self.rows)

    def __getitem__(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f'no check named {name!r}; the checks are: {", ".join(r.name for r in self.rows)}')

    def __iter__(self):
        return iter(self.rows)

    def __str__(self):
        width = max(len(row.name) for row in self.rows)
        lines = [f'check({self.class_name}): {self.count("passed")} passed, '
                 f'{self.count("failed")} failed, {self.count("to do")} to do']
        marks = {'passed': 'ok', 'failed': 'FAIL', 'to do': 'to do'}
        for row in self.rows:
            head = f'  {marks[row.status]:<5}  {row.name}'
            if row.status == 'failed':
                lines.append(head)
                lines += textwrap.wrap(row.message, REPORT_WIDTH, initial_indent=' ' * 9,
                                       subsequent_indent=' ' * 9)
                if row.hint:
                    lines += textwrap.wrap(row.hint, REPORT_WIDTH, initial_indent=' ' * 9 + 'hint: ',
                                           subsequent_indent=' ' * 15)
            elif row.message:
                lines += textwrap.wrap(row.message, REPORT_WIDTH, initial_indent=f'{head:<{width + 11}}',
                                       subsequent_indent=' ' * (width + 11))
            else:
                lines.append(head)
        return '\n'.join(lines)

    __repr__ = __str__


class Failed(Exception):
    """Raised by a check: what came out against what was expected, and why."""

    def __init__(self, message, hint=''):
        super().__init__(message)
        self.message, self.hint = message, hint


class ToDo(Exception):
    """Raised by a check that needs something the class does not have yet."""


# --------------------------------------------------------------------------
# Running learner code under a time limit (see the module docstring)


class TimeUp(BaseException):
    """Raised inside the learner's code when a check outlives its time limit.

    A BaseException, so that `except Exception` in the learner's code lets it through."""


def call_with_time_limit(function, seconds):
    """`function()`, interrupted by TimeUp if it runs longer than `seconds`."""
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise TimeUp
        return tracer  # trace the lines of this frame too: `while True: pass` has no calls

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return function()
    finally:
        sys.settrace(previous)


def where(error):
    """' (in __add__, line 12)': the innermost frame of the traceback outside this file."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
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
_BY_KEY = {operation.key: operation for operation in OPERATIONS}

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


# --------------------------------------------------------------------------
# The checks beyond single operations. Each returns a note (or '') when it
# passes and raises Failed when it does not.


def check_construction(Value):
    v = Value(2.0)
    for attribute in ('data', 'grad', '_prev', '_backward'):
        if not hasattr(v, attribute):
            raise Failed(f'Value(2.0) has no .{attribute}',
                         'set data, grad = 0, _prev (the parents: none for a leaf) and _backward '
                         '(a function that does nothing for a leaf) in __init__')
    if v.data != 2.0:
        raise Failed(f'Value(2.0).data = {v.data!r}, expected 2.0', 'store the number given in .data')
    if v.grad != 0:
        raise Failed(f'Value(2.0).grad = {v.grad!r}, expected 0', 'a new Value starts with grad = 0')
    if len(parents_of(v)):
        raise Failed(f'Value(2.0)._prev = {v._prev!r}, expected no parents', 'a leaf has no parents')
    v._backward()  # a leaf's _backward must exist and do nothing
    text = repr(v)
    if '2' not in text or ' at 0x' in text:
        raise Failed(f'repr(Value(2.0)) = {text}', "define __repr__ to show the data, e.g. 'Value(data=2.0)'")
    return ''


def check_reuse(Value, keys):
    """`a + a` and `a * a`: the two edges into one node must both count."""
    cases = [('+', 'a + a', lambda a: a + a, 2.0), ('*', 'a * a', lambda a: a * a, 6.0)]
    if not {'+', '*'} & set(keys):
        raise ToDo('needs + or *')
    for key, text, build, expected in cases:
        if key not in keys:
            continue
        a = Value(3.0)
        push_gradients(build(a), 1.0)
        if close(a.grad, expected / 2):
            method = '__add__' if key == '+' else '__mul__'
            raise Failed(f'{text} at a = 3: a.grad = {show(a.grad)}, expected {show(expected)}',
                         f'the `=` instead of `+=` mistake in {method}: with both operands the same Value, '
                         f'the second assignment overwrites the first; gradients add up, so use +=')
        if not close(a.grad, expected):
            raise Failed(f'{text} at a = 3: a.grad = {show(a.grad)}, expected {show(expected)}',
                         'each of the two edges from a adds its share into a.grad')
    return ''


def check_parents(Value, keys):
    """Every operation's result leads back, through `_prev`, to its inputs."""
    if not keys:
        raise ToDo('needs an operation')
    for key in keys:
        operation = _BY_KEY[key]
        for form in operation.forms:
            try:
                x, y, out = apply_form(Value, form)
            except Exception:
                continue  # the operation's own row reports it
            reached = {id(node) for node in topo_order(out)}
            for name, leaf in zip('xy', (x, y)):
                if name in form.inputs and id(leaf) not in reached:
                    raise Failed(f'{form.text}: {name} is not among the parents (_prev) of the result',
                                 f'{operation.name} forgets to record its parents: pass (self, other) or (self,) '
                                 f'as the children of out, or backward() never reaches {name} and every '
                                 f'gradient above it stays 0')
    return ''


def check_shared(Value, keys):
    """A value used twice on paths of different lengths, then a deep ladder."""
    x = Value(0.5)
    a = x * 2
    c = a + a * 3  # dc/dx = (1 + 3) * 2
    c.backward()
    if not close(x.grad, 8.0):
        raise Failed(f'c = a + 3a with a = 2x: x.grad = {show(x.grad)}, expected 8',
                     'backward() without a topological order: a node pushed its gradient into its parents '
                     'before every use of it had added to it, or once per path; sort the nodes so that each '
                     'comes after all of its parents, then call _backward() in the reverse of that order')
    x = Value(1.0)
    node = x
    for _ in range(LADDER_LEVELS):
        node = node * 1.5 + node * 0.5  # each level doubles, and uses the level below twice
    node.backward()
    if not close(x.grad, 2.0 ** LADDER_LEVELS):
        raise Failed(f'a ladder of {LADDER_LEVELS} levels v = 1.5 v + 0.5 v: x.grad = {show(x.grad)}, '
                     f'expected 2**{LADDER_LEVELS}', 'visit each node once, in reverse topological order')
    return ''


def check_chain(Value, keys):
    """A chain of CHAIN_LENGTH operations: no recursion per node."""
    x = Value(0.5)
    node = x
    for _ in range(CHAIN_LENGTH // 2):
        node = node * 1.0 + 1.0
    try:
        node.backward()
    except RecursionError:
        limit = sys.getrecursionlimit()
        raise Failed(f'backward() on a chain of {CHAIN_LENGTH:,} operations raised RecursionError',
                     f'Python allows {limit:,} nested calls (sys.getrecursionlimit()) and a recursive '
                     f'topological sort (or backward) nests one per node: keep your own stack (a list) '
                     f'instead of recursing') from None
    if not close(x.grad, 1.0):
        raise Failed(f'chain of {CHAIN_LENGTH:,} operations: x.grad = {show(x.grad)}, expected 1',
                     'every node on the chain must pass its gradient on once')
    return ''


def check_backward_twice(Value, keys):
    """z = (x * 2) * 3 twice: what happens, against what PyTorch does."""
    x = Value(1.5)
    z = (x * 2) * 3
    z.backward()
    first = x.grad
    if not close(first, 6.0):
        raise Failed(f'z = (x * 2) * 3: x.grad = {show(first)} after one backward(), expected 6',
                     'the operation rows above should say which rule is wrong')
    z.backward()
    second = x.grad
    if close(second, 2 * first):
        return f'x.grad 6 -> {show(second)}: adds the same again, as PyTorch does with retain_graph=True'
    if close(second, first):
        return (f'x.grad stays {show(second)}: your backward() clears the leaves (see "grads add up"); '
                'PyTorch adds the same again')
    raise Failed(f'a second z.backward() took x.grad from 6 to {show(second)}; PyTorch with '
                 'retain_graph=True, and this engine, give 12 (plain PyTorch refuses a second backward(): '
                 'it frees the graph after the first)',
                 "backward() does not reset the interior nodes' grads, so the first call's gradients are "
                 'pushed again: set grad = 0 on every node with parents before seeding the output')


def check_accumulation(Value, keys):
    """Two outputs, two backward() calls: a leaf's grad is the sum of both."""
    x, w = Value(1.5), Value(-2.0)
    first, second = x * w, x * 3
    first.backward()
    second.backward()
    if close(x.grad, 3.0):
        raise Failed(f'(x*w).backward() then (x*3).backward(): x.grad = {show(x.grad)}, expected w + 3 = 1',
                     "backward() clears the leaves' grads, so the first call's gradient was lost: reset only "
                     'nodes with parents; clearing leaves between training steps is zero_grad()\'s job, '
                     'as in PyTorch, where .grad always adds up')
    if not close(x.grad, 1.0) or not close(w.grad, 1.5):
        raise Failed(f'(x*w).backward() then (x*3).backward(): x.grad = {show(x.grad)}, w.grad = '
                     f'{show(w.grad)}, expected 1 and 1.5', 'gradients from several backward() calls add up')
    return ''


# A 2-3-1 network: three tanh neurons (2 weights and a bias each), a linear
# output (3 weights and a bias), squared error on one example. Written once and
# run on both classes, so the learner's numbers meet this engine's.
MLP_WEIGHTS = [0.5, -0.3, 0.1, -0.8, 0.6, 0.2, 0.3, 0.9, -0.4, 0.7, -0.5, 0.25, 0.05]
MLP_INPUT, MLP_TARGET, LEARNING_RATE = (1.2, -0.7), 0.5, 0.1


def mlp_loss(parameters, inputs=MLP_INPUT, target=MLP_TARGET):
    hidden = []
    for j in range(3):
        w1, w2, bias = parameters[3 * j:3 * j + 3]
        hidden.append((w1 * inputs[0] + w2 * inputs[1] + bias).tanh())
    v1, v2, v3, bias = parameters[9:]
    out = v1 * hidden[0] + v2 * hidden[1] + v3 * hidden[2] + bias
    return (out + -target) ** 2


def mlp_step(Value):
    """(loss, gradients, loss after one SGD step) with the given class."""
    parameters = [Value(w) for w in MLP_WEIGHTS]
    loss = mlp_loss(parameters)
    loss.backward()
    gradients = [p.grad for p in parameters]
    for p in parameters:
        p.data -= LEARNING_RATE * p.grad
    return loss.data, gradients, mlp_loss(parameters).data


def check_mlp(Value, keys):
    from .engine import Value as EngineValue

    loss, gradients, after = mlp_step(Value)
    expected_loss, expected_gradients, expected_after = mlp_step(EngineValue)
    if not close(loss, expected_loss, rtol=1e-9):
        raise Failed(f'the loss of a 2-3-1 tanh MLP is {show(loss)}, this engine says {show(expected_loss)}',
                     'a forward value differs: see the operation rows above')
    wrong = [i for i, (got, want) in enumerate(zip(gradients, expected_gradients)) if not close(got, want)]
    if wrong:
        i = wrong[0]
        raise Failed(f'{len(wrong)} of {len(gradients)} gradients differ from this engine\'s; parameter {i}: '
                     f'{show(gradients[i])}, expected {show(expected_gradients[i])}',
                     'compose what the rows above test: the chain rule through every node, in order')
    if not close(after, expected_after, rtol=1e-9):
        raise Failed(f'after one step p.data -= {LEARNING_RATE} * p.grad the loss is {show(after)}, '
                     f'expected {show(expected_after)}', 'updating .data must change what the next forward computes')
    return f'loss {expected_loss:.4f} -> {expected_after:.4f}, the same as this engine'


# (row name, check(Value, operations), the operations it needs, whether it needs backward())
STRUCTURE_CHECKS = [
    ('a + a, a * a', check_reuse, set(), False),
    ('parents (_prev)', check_parents, set(), False),
    ('shared subexpressions', check_shared, {'+', '*'}, True),
    ('long chain', check_chain, {'+', '*'}, True),
    ('backward twice', check_backward_twice, {'*'}, True),
    ('grads add up', check_accumulation, {'*'}, True),
    ('MLP step', check_mlp, {'+', '*', '**', 'tanh'}, True),
]


# --------------------------------------------------------------------------
# Putting it together


def implemented(Value, operation):
    """Does the class define the operation's first method (the forward form)?"""
    return callable(getattr(Value, operation.methods[0], None))


def run(name, function, time_limit):
    """One isolated check as a Row: its own Values, its own time limit."""
    try:
        note = call_with_time_limit(function, time_limit)
    except Failed as failure:
        return Row(name, 'failed', failure.message, failure.hint)
    except ToDo as todo:
        return Row(name, 'to do', str(todo))
    except NotImplementedError as error:
        return Row(name, 'to do', f'not written yet{where(error)}')
    except TimeUp:
        hint = ('it seems to walk every path of the graph instead of visiting each node once in '
                'topological order' if name == 'shared subexpressions' else 'an endless loop?')
        return Row(name, 'failed', f'still running after {time_limit:g} s, so it was stopped', hint)
    except RecursionError as error:
        return Row(name, 'failed', f'RecursionError{where(error)}',
                   f'Python allows {sys.getrecursionlimit():,} nested calls: avoid recursing once per node')
    except Exception as error:
        return Row(name, 'failed', f'raised {type(error).__name__}: {error}{where(error)}',
                   'an exception inside your class; the line above says where')
    return Row(name, 'passed', note or '')


def check(Value, ops=None, time_limit=TIME_LIMIT_SECONDS):
    """Grade a micrograd-style Value class; returns a `Report` (print it).

    `ops` limits the operations graded (keys of `OPERATIONS`: '+', '-', '*',
    '/', '**', 'neg', 'exp', 'log', 'tanh', 'relu', 'sin', 'cos'); None
    grades all. Checks that need an operation outside `ops` or not yet
    written, or `backward()` before it exists, are listed as to do.
    Each check runs at most `time_limit` seconds.
    """
    if ops is None:
        ops = OPERATION_KEYS
    else:
        ops = list(ops)
        unknown = [key for key in ops if key not in _BY_KEY]
        if unknown:
            raise ValueError(f'unknown operation(s) {unknown}; the operations are {OPERATION_KEYS}')
        ops = [key for key in OPERATION_KEYS if key in ops]  # the report's order, whatever the caller's
    rows = [run('construction, repr', lambda: check_construction(Value), time_limit)]
    available = set()
    for key in ops:
        operation = _BY_KEY[key]
        if not implemented(Value, operation):
            rows.append(Row(operation.name, 'to do', f'no {operation.methods[0]} yet'))
            continue
        row = run(operation.name, lambda operation=operation: check_operation(Value, operation), time_limit)
        rows.append(row)
        if row.status != 'to do':
            available.add(key)
    has_backward = callable(getattr(Value, 'backward', None))
    graded = [key for key in ops if key in available]
    for name, function, needs, needs_backward in STRUCTURE_CHECKS:
        missing = sorted(needs - available, key=OPERATION_KEYS.index)
        if needs_backward and not has_backward:
            missing.append('backward()')
        if missing:
            rows.append(Row(name, 'to do', 'needs ' + ', '.join(missing)))
        else:
            rows.append(run(name, lambda function=function: function(Value, graded), time_limit))
    return Report(getattr(Value, '__name__', repr(Value)), rows)
