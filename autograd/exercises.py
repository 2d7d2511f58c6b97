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

The operations' table and the check of one operation are in
`exercise_operations.py`. Each check runs under a time limit, in a worker
thread that is interrupted when time is up (`_time_limit.py` says why a
thread, and what cannot be stopped), and what a check changed for the whole
interpreter (the recursion limit, the trace and profile functions) is put
back after it.
"""

import sys
import textwrap

from ._time_limit import TimeUp, Unstoppable, call_with_time_limit, interpreter_state_kept
from ._validate import check_real
from .exercise_operations import (OPERATION_KEYS, OPERATIONS, OPERATIONS_BY_KEY, Failed, ToDo, apply_form,
                                  check_operation, close, parents_of, push_gradients, show, topo_order, where)

__all__ = ['check', 'Report', 'Row', 'OPERATIONS']

TIME_LIMIT_SECONDS = 3.0
CHAIN_LENGTH = 5000  # operations; several times Python's default recursion limit
LADDER_LEVELS = 40  # each level uses the one below twice: 2**40 paths
REPORT_WIDTH = 100  # characters per printed line


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
        operation = OPERATIONS_BY_KEY[key]
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
    """One isolated check as a Row: its own Values, its own time limit, and
    the interpreter's state put back afterwards. Unstoppable (the check's
    code still runs) is left to the caller."""
    try:
        with interpreter_state_kept():
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
    except Unstoppable:
        raise
    except RecursionError as error:
        return Row(name, 'failed', f'RecursionError{where(error)}',
                   f'Python allows {sys.getrecursionlimit():,} nested calls: avoid recursing once per node')
    except Exception as error:
        return Row(name, 'failed', f'raised {type(error).__name__}: {error}{where(error)}',
                   'an exception inside your class; the line above says where')
    return Row(name, 'passed', note or '')


def _operation_keys(ops):
    """`ops` as known operation keys in the report's order; a str is one key."""
    if ops is None:
        return OPERATION_KEYS
    if isinstance(ops, str):
        ops = [ops]
    try:
        ops = list(ops)
    except TypeError:
        raise TypeError(f"check: ops must be a list of operation keys such as ['+', '*'], "
                        f"got {type(ops).__name__} {ops!r}") from None
    unknown = [key for key in ops if key not in OPERATIONS_BY_KEY]
    if unknown:
        raise ValueError(f'check: unknown operation(s) {unknown}; the operations are {OPERATION_KEYS}')
    return [key for key in OPERATION_KEYS if key in ops]  # the report's order, whatever the caller's


def check(Value, ops=None, time_limit=TIME_LIMIT_SECONDS):
    """Grade a micrograd-style Value class; returns a `Report` (print it).

    `ops` limits the operations graded (keys of `OPERATIONS`: '+', '-', '*',
    '/', '**', 'neg', 'exp', 'log', 'tanh', 'relu', 'sin', 'cos'); None
    grades all. Checks that need an operation outside `ops` or not yet
    written, or `backward()` before it exists, are listed as to do.
    Each check runs at most `time_limit` seconds (a positive, finite number).
    If a check cannot be stopped, the checks after it are not run.
    """
    if not isinstance(Value, type):
        raise TypeError(f'check: pass your Value class itself, as in check(Value), '
                        f'got {type(Value).__name__} {Value!r}')
    ops = _operation_keys(ops)
    time_limit = check_real('check', 'time_limit', time_limit, above=0)
    rows, still_running = [], []

    def graded(name, function):
        """The check's row; once one could not be stopped, the rest are not run."""
        if still_running:
            rows.append(Row(name, 'to do', f'not run: {still_running[0]!r} is still running'))
            return rows[-1]
        try:
            rows.append(run(name, function, time_limit))
        except Unstoppable:
            still_running.append(name)
            rows.append(Row(name, 'failed', f'still running after {time_limit:g} s, and it could not be '
                            'stopped: it keeps running in the background (restart the kernel, or Python, '
                            'to end it)',
                            'a loop that catches every exception (a bare `except:` or `except BaseException:`) '
                            'ignores the interruption, and one long call into C code cannot be interrupted'))
        return rows[-1]

    graded('construction, repr', lambda: check_construction(Value))
    available = set()
    for key in ops:
        operation = OPERATIONS_BY_KEY[key]
        if not implemented(Value, operation):
            rows.append(Row(operation.name, 'to do', f'no {operation.methods[0]} yet'))
        elif graded(operation.name, lambda operation=operation: check_operation(Value, operation)).status != 'to do':
            available.add(key)
    has_backward = callable(getattr(Value, 'backward', None))
    keys = [key for key in ops if key in available]
    for name, function, needs, needs_backward in STRUCTURE_CHECKS:
        missing = sorted(needs - available, key=OPERATION_KEYS.index)
        if needs_backward and not has_backward:
            missing.append('backward()')
        if missing:
            rows.append(Row(name, 'to do', 'needs ' + ', '.join(missing)))
        else:
            graded(name, lambda function=function: function(Value, keys))
    return Report(getattr(Value, '__name__', repr(Value)), rows)
