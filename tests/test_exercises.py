"""`autograd.exercises.check`: a correct class passes, each classic mistake
fails the check that names it (with its hint), missing operations are to do,
and learner code that never ends is stopped."""

import math
import sys
import time

import pytest

from autograd import Value as EngineValue
from autograd.exercises import OPERATIONS, check

ALL_CHECKS = [
    'construction, repr', 'x + y', 'x - y and 1 - x (sign)', 'x * y', 'x / y', 'x ** n', '-x', 'x.exp()',
    'x.log()', 'x.tanh()', 'x.relu()', 'x.sin()', 'x.cos()', 'a + a, a * a', 'parents (_prev)',
    'shared subexpressions', 'long chain', 'backward twice', 'grads add up', 'MLP step',
]


class Reference:
    """A correct micrograd-style Value, written here as a learner would.

    Results are made with type(self), so that a subclass that replaces one
    method (a planted mistake) keeps its class through every expression."""

    def __init__(self, data, _prev=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._backward = lambda: None

    def __repr__(self):
        return f'Value(data={self.data})'

    def _wrap(self, other):
        return other if isinstance(other, Reference) else type(self)(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        out = type(self)(self.data ** n, (self,))

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def _unary(self, value, local):
        out = type(self)(value, (self,))

        def _backward():
            self.grad += local(out) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        return self._unary(math.exp(self.data), lambda out: out.data)

    def log(self):
        return self._unary(math.log(self.data), lambda out: 1 / self.data)

    def tanh(self):
        return self._unary(math.tanh(self.data), lambda out: 1 - out.data ** 2)

    def relu(self):
        return self._unary(max(0.0, self.data), lambda out: float(out.data > 0))

    def sin(self):
        return self._unary(math.sin(self.data), lambda out: math.cos(self.data))

    def cos(self):
        return self._unary(math.cos(self.data), lambda out: -math.sin(self.data))

    def __neg__(self):  # -self
        return self * -1

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other ** -1

    def __rtruediv__(self, other):  # other / self
        return other * self ** -1

    def topological_order(self):
        order, seen, stack = [], {self}, [(self, iter(self._prev))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, iter(parent._prev)))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def backward(self):
        order = self.topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0 if self._prev else self.grad + 1.0
        for node in reversed(order):
            node._backward()


def failures(report):
    return {row.name for row in report if row.status == 'failed'}


def to_do(report):
    return {row.name for row in report if row.status == 'to do'}


def test_a_correct_class_passes_every_check():
    report = check(Reference)
    assert [row.name for row in report] == ALL_CHECKS
    assert [row.name for row in report if not row.passed] == []
    assert report.ok


def test_this_engine_passes_every_check_of_the_operations_it_has():
    report = check(EngineValue)
    assert report.ok, report
    assert to_do(report) == set()


def test_the_report_prints_as_a_table_with_a_hint_per_failure():
    class Assigns(Reference):
        def __add__(self, other):
            other = self._wrap(other)
            out = type(self)(self.data + other.data, (self, other))

            def _backward():
                self.grad = out.grad
                other.grad = out.grad
            out._backward = _backward
            return out

    text = str(check(Assigns))
    lines = text.splitlines()
    assert lines[0] == 'check(Assigns): 19 passed, 1 failed, 0 to do'
    assert '  ok     x + y' in lines
    failing = lines.index('  FAIL   a + a, a * a')
    assert lines[failing + 1].strip() == 'a + a at a = 3: a.grad = 2, expected 4'.replace('2, expected 4',
                                                                                          '1, expected 2')
    assert lines[failing + 2].strip().startswith('hint: the `=` instead of `+=` mistake in __add__')
    assert repr(check(Assigns)) == text


# --------------------------------------------------------------------------
# The classic mistakes, one class each: (class, the checks it fails, a phrase of the hint)


class AssignsInAdd(Reference):
    """`=` instead of `+=`: a + a gets half its gradient."""

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out


class ExpForgetsParents(Reference):
    """exp records no parents: backward() never gets past it."""

    def exp(self):
        out = type(self)(math.exp(self.data))  # no (self,)

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out


class RsubSignSlip(Reference):
    """1 - x computed as x - 1."""

    def __rsub__(self, other):
        return self - other


class SubSignSlip(Reference):
    """Subtraction as a primitive whose backward adds +out.grad into other."""

    def __sub__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data - other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad  # should be -=
        out._backward = _backward
        return out


class RecursiveWithoutOrder(Reference):
    """The tempting recursion: push, then recurse into the parents. Three
    mistakes in one: no topological order, a Python call per node (the long
    chain), and nothing resets the interior grads (backward twice)."""

    def backward(self):
        self.grad = 1.0

        def push(node):
            node._backward()
            for parent in node._prev:
                push(parent)
        push(self)


class BreadthFirst(Reference):
    """Resets and pushes level by level from the output (breadth first, each
    node once): only the order is wrong. A value used by a node two levels up
    pushes before that node has added to it."""

    def topological_order(self):
        levels, seen = [self], {self}
        for node in levels:  # grows while it is read: a queue
            for parent in node._prev:
                if parent not in seen:
                    seen.add(parent)
                    levels.append(parent)
        return levels[::-1]


class SortsEveryPath(Reference):
    """A correct order, found by a depth-first walk with no `seen` set: right
    answers, but 2**n work on n levels of shared values."""

    def topological_order(self):
        walk, stack = [], [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                walk.append(node)
            else:
                stack.append((node, True))
                stack.extend((parent, False) for parent in reversed(node._prev))
        order, seen = [], set()
        for node in walk:  # first occurrence: after one occurrence of each parent
            if node not in seen:
                seen.add(node)
                order.append(node)
        return order


class RecursiveSort(Reference):
    """micrograd's recursive topological sort: right, but one call per node."""

    def topological_order(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._prev:
                    visit(parent)
                order.append(node)
        visit(self)
        return order


class NoReset(Reference):
    """backward() seeds the output but never resets the interior grads."""

    def backward(self):
        self.grad = 1.0
        for node in reversed(self.topological_order()):
            node._backward()


class ExpUsesX(Reference):
    """exp's backward multiplies by x where exp(x), out.data, belongs."""

    def exp(self):
        out = type(self)(math.exp(self.data), (self,))

        def _backward():
            self.grad += self.data * out.grad
        out._backward = _backward
        return out


class ClearsLeaves(Reference):
    """zero_grad inside backward(): every node, leaves too, restarts at 0, so
    gradients of several backward() calls no longer add up."""

    def backward(self):
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


MISTAKES = [
    (AssignsInAdd, {'a + a, a * a'}, 'the `=` instead of `+=` mistake in __add__'),
    (ExpForgetsParents, {'parents (_prev)'}, 'x.exp() forgets to record its parents'),
    (RsubSignSlip, {'x - y and 1 - x (sign)'}, 'the operands are swapped: Python runs 1 - x as x.__rsub__(1)'),
    (SubSignSlip, {'x - y and 1 - x (sign)'}, 'd(x - y)/dy = -1'),
    (BreadthFirst, {'shared subexpressions'}, 'backward() without a topological order'),
    (RecursiveWithoutOrder, {'shared subexpressions', 'long chain', 'backward twice'},
     'backward() without a topological order'),
    (RecursiveSort, {'long chain'}, 'Python allows 1,000 nested calls'),
    (NoReset, {'backward twice'}, "backward() does not reset the interior nodes' grads"),
    (ExpUsesX, {'x.exp()'}, "exp's backward multiplies by x (self.data)"),
    (ClearsLeaves, {'grads add up'}, "backward() clears the leaves' grads"),
]


@pytest.fixture
def default_recursion_limit():
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(saved)


@pytest.mark.parametrize('broken, failing, hint', MISTAKES, ids=[m[0].__name__ for m in MISTAKES])
def test_each_classic_mistake_fails_the_check_that_names_it(broken, failing, hint, default_recursion_limit):
    report = check(broken)
    assert failures(report) == failing, report
    assert to_do(report) == set()
    first = report[sorted(failing, key=ALL_CHECKS.index)[0]]
    assert hint in first.hint, first
    assert not report.ok


def test_the_messages_say_what_came_out_and_what_was_expected(default_recursion_limit):
    assert check(AssignsInAdd)['a + a, a * a'].message == 'a + a at a = 3: a.grad = 1, expected 2'
    assert check(ExpForgetsParents)['parents (_prev)'].message == (
        'x.exp(): x is not among the parents (_prev) of the result')
    assert check(RsubSignSlip)['x - y and 1 - x (sign)'].message == (
        '1 - x at x = 1.5: data = 0.5, expected -0.5')
    assert check(SubSignSlip)['x - y and 1 - x (sign)'].message.startswith(
        'x - y at x = 1.5, y = -0.8: with out.grad = 2, y.grad = 2, expected -2')
    assert check(BreadthFirst)['shared subexpressions'].message == (
        'c = a + 3a with a = 2x: x.grad = 2, expected 8')
    assert check(RecursiveWithoutOrder)['shared subexpressions'].message == (
        'c = a + 3a with a = 2x: x.grad = 10, expected 8')
    assert check(RecursiveSort)['long chain'].message == (
        'backward() on a chain of 5,000 operations raised RecursionError')
    assert check(ExpUsesX)['x.exp()'].message.startswith('x.exp() at x = 1.5: with out.grad = 2, x.grad = 3,')


def test_backward_twice_says_what_the_class_does_and_what_pytorch_does():
    failed = check(NoReset)['backward twice']
    assert 'took x.grad from 6 to 18' in failed.message
    assert 'PyTorch with retain_graph=True, and this engine, give 12' in failed.message
    assert 'plain PyTorch refuses a second backward()' in failed.message
    adds = check(Reference)['backward twice']
    assert adds.passed and adds.message == 'x.grad 6 -> 12: adds the same again, as PyTorch does with retain_graph=True'
    clears = check(ClearsLeaves)['backward twice']
    assert clears.passed and 'your backward() clears the leaves' in clears.message


def test_the_original_micrograd_fails_the_long_chain_and_backward_twice(default_recursion_limit):
    micrograd = pytest.importorskip('micrograd.engine')
    report = check(micrograd.Value)
    assert failures(report) == {'long chain', 'backward twice'}
    assert to_do(report) == {'x.exp()', 'x.log()', 'x.tanh()', 'x.sin()', 'x.cos()', 'MLP step'}


# --------------------------------------------------------------------------
# Every operation's row can fail: a rule off by 10%, or a forward value off


def _skewed(operation, where):
    """A Reference whose `operation` is wrong: its result's value, or the
    gradient it sends to its first operand, 10% off."""
    methods = {}
    for method_name in operation.methods:
        original = getattr(Reference, method_name)

        def method(self, *args, original=original):
            out = original(self, *args)
            if where == 'value':
                out.data *= 1.1
            else:
                rule = out._backward

                def _backward():
                    before = self.grad
                    rule()
                    self.grad += 0.1 * (self.grad - before)
                out._backward = _backward
            return out
        methods[method_name] = method
    return type(f'Skewed_{where}', (Reference,), methods)


@pytest.mark.parametrize('where', ['value', 'gradient'])
@pytest.mark.parametrize('operation', OPERATIONS, ids=[op.key for op in OPERATIONS])
def test_a_wrong_rule_fails_its_operation_row(operation, where):
    report = check(_skewed(operation, where), ops=[operation.key])
    row = report[operation.name]
    assert row.status == 'failed', report
    assert 'expected' in row.message and row.hint


# --------------------------------------------------------------------------
# To do: what the class does not have yet


class NoTrigonometry(Reference):
    sin = None
    cos = None


class StubbedTanh(Reference):
    def tanh(self):
        raise NotImplementedError('TODO: write tanh')


def test_operations_the_class_lacks_are_to_do_not_failures():
    report = check(NoTrigonometry)
    assert to_do(report) == {'x.sin()', 'x.cos()'}
    assert report['x.sin()'].message == 'no sin yet'
    assert report.ok and failures(report) == set()
    assert 'check(NoTrigonometry): 18 passed, 0 failed, 2 to do' in str(report)


def test_an_operation_that_raises_not_implemented_is_to_do_and_so_are_checks_that_need_it():
    report = check(StubbedTanh)
    assert to_do(report) == {'x.tanh()', 'MLP step'}
    assert report['MLP step'].message == 'needs tanh'
    assert report.ok


def test_a_skeleton_is_all_to_do():
    class Skeleton:
        def __init__(self, data):
            self.data, self.grad, self._prev, self._backward = data, 0.0, (), lambda: None

        def __repr__(self):
            return f'Value(data={self.data})'

        def __add__(self, other):
            raise NotImplementedError

    report = check(Skeleton)
    assert report['construction, repr'].passed
    assert to_do(report) == set(ALL_CHECKS) - {'construction, repr'}
    assert report['x + y'].message.startswith('not written yet')
    assert report['shared subexpressions'].message == 'needs +, *, backward()'


def test_ops_limits_what_is_graded():
    report = check(Reference, ops=['+', '*'])
    assert [row.name for row in report] == ['construction, repr', 'x + y', 'x * y'] + ALL_CHECKS[13:]
    assert report['MLP step'].status == 'to do' and report['MLP step'].message == 'needs **, tanh'
    assert report['shared subexpressions'].passed
    with pytest.raises(ValueError, match=r"unknown operation\(s\) \['sqrt'\]"):
        check(Reference, ops=['+', 'sqrt'])


def test_construction_and_repr_failures_say_what_to_define():
    class DefaultRepr(Reference):
        __repr__ = object.__repr__

    class NoPrev(Reference):
        def __init__(self, data, _prev=()):
            super().__init__(data, _prev)
            if not _prev:
                del self._prev

    assert 'define __repr__' in check(DefaultRepr)['construction, repr'].hint
    assert check(NoPrev)['construction, repr'].message == 'Value(2.0) has no ._prev'


# --------------------------------------------------------------------------
# Isolation: an exception becomes that check's failure, named; time limits


def test_an_exception_in_one_operation_fails_that_row_only_and_names_it():
    class BrokenLog(Reference):
        def log(self):
            return type(self)(mth.log(self.data))  # noqa: F821 (the learner's typo)

    report = check(BrokenLog)
    assert failures(report) == {'x.log()'}
    message = report['x.log()'].message
    assert message.startswith("raised NameError: name 'mth' is not defined (in log, line ")


def test_numbers_on_the_left_need_the_reflected_methods():
    class NoReflected:
        def __init__(self, data, _prev=()):
            self.data, self.grad, self._prev, self._backward = data, 0.0, _prev, lambda: None

        def __add__(self, other):
            other = other if isinstance(other, NoReflected) else NoReflected(other)
            out = NoReflected(self.data + other.data, (self, other))

            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

    class NoWrapping(Reference):
        def _wrap(self, other):
            return other

    report = check(NoReflected, ops=['+'])
    assert report['x + y'].message.startswith("2 + x raised TypeError: unsupported operand type(s) for +")
    assert report['x + y'].hint.startswith('Python calls __radd__ for 2 + x')
    report = check(NoWrapping, ops=['*'])
    assert "'int' object has no attribute 'data'" in report['x * y'].message
    assert report['x * y'].hint.startswith('wrap plain numbers')


class LoopsForever(Reference):
    def backward(self):
        while True:
            pass


def test_a_backward_that_never_ends_is_stopped_and_reported():
    start = time.perf_counter()
    report = check(LoopsForever, time_limit=1.0)
    seconds = time.perf_counter() - start
    timed_out = {'shared subexpressions', 'long chain', 'backward twice', 'grads add up', 'MLP step'}
    assert failures(report) == timed_out
    for name in timed_out:
        assert report[name].message == 'still running after 1 s, so it was stopped'
    assert seconds < 5 * 1.0 + 3, f'{seconds:.1f} s'  # five checks, a second each, and slack


def test_an_exponential_backward_is_stopped_at_the_default_limit():
    start = time.perf_counter()
    row = check(SortsEveryPath, ops=['+', '*'])['shared subexpressions']
    seconds = time.perf_counter() - start
    assert row.status == 'failed'
    assert row.message == 'still running after 3 s, so it was stopped'
    assert 'walk every path' in row.hint
    assert seconds < 8, f'{seconds:.1f} s'


def test_the_time_limit_leaves_an_existing_trace_function_in_place():
    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    sys.settrace(tracer)
    try:
        check(Reference, ops=['+'])
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_an_interrupt_is_not_swallowed():
    class Interrupted(Reference):
        def exp(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check(Interrupted, ops=['exp'])


def test_a_reflected_division_with_its_operands_swapped_is_named():
    class RtruedivSwapped(Reference):
        def __rtruediv__(self, other):
            return self / other

    row = check(RtruedivSwapped, ops=['/'])['x / y']
    assert row.message == '2 / x at x = 1.5: data = 0.75, expected 1.33333'
    assert row.hint == ('the operands are swapped: Python runs 2 / x as x.__rtruediv__(2), so self is x and '
                        'other is 2: compute other / self')


def test_the_time_limit_works_inside_a_jupyter_kernel(tmp_path):
    """Where learners run it: a kernel runs cells in its main thread, with its own
    trace and signal handling; a learner's class lives in __main__."""
    nbformat = pytest.importorskip('nbformat')
    pytest.importorskip('nbclient')
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        'notebook_build', Path(__file__).resolve().parent.parent / 'notebooks' / 'build.py')
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(
        'import time\n'
        'from autograd.exercises import check\n'
        'class Value:\n'
        '    def __init__(self, data, _children=()):\n'
        '        self.data, self.grad, self._prev, self._backward = data, 0.0, tuple(_children), lambda: None\n'
        '    def __mul__(self, other):\n'
        '        other = other if isinstance(other, Value) else Value(other)\n'
        '        return Value(self.data * other.data, (self, other))\n'
        '    def backward(self):\n'
        '        while True: pass\n'  # one line: no line event for a trace function to catch
        'start = time.perf_counter()\n'
        "row = check(Value, ops=['*'], time_limit=0.5)['backward twice']\n"
        'print(row.status, round(time.perf_counter() - start, 1), row.message)'))
    build.execute(notebook, tmp_path, timeout=60)
    status, seconds, message = notebook.cells[0].outputs[0].text.strip().split(' ', 2)
    assert status == 'failed' and message == 'still running after 0.5 s, so it was stopped'
    assert float(seconds) < 5


# --------------------------------------------------------------------------
# A learner's code cannot hang the grader or change the interpreter under it.
# Cases that would hang a grader without a deadline run in a child Python with
# a timeout of its own, so that a regression fails instead of hanging the suite.

ONE_LINE_LOOP = '''
import threading, time
from autograd.exercises import check

class Value:
    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev, self._backward = data, 0.0, tuple(_children), lambda: None
    def __repr__(self):
        return f'Value(data={self.data})'
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other))
    def backward(self):
        while True: pass
'''


def run_child(script, seconds=60):
    """The child's stdout lines; a child that outlives `seconds` fails the test."""
    import os
    import subprocess
    from pathlib import Path

    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    try:
        done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                              timeout=seconds, env=environment)
    except subprocess.TimeoutExpired:
        pytest.fail(f'the grader was still running after {seconds} s')
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_one_line_endless_loop_is_stopped_and_leaves_no_thread_behind():
    lines = run_child(ONE_LINE_LOOP + '''
start = time.perf_counter()
report = check(Value, ops=['*'], time_limit=0.5)
print(round(time.perf_counter() - start, 1))
for name in ('backward twice', 'grads add up'):
    print(report[name].status, report[name].message)
cpu = time.process_time()
time.sleep(0.5)
print(threading.active_count(), round(time.process_time() - cpu, 2))
''')
    assert lines[1:3] == ['failed still running after 0.5 s, so it was stopped'] * 2, lines
    threads, cpu_seconds = lines[3].split()
    assert threads == '1' and float(cpu_seconds) < 0.05, lines  # no loop left running
    assert float(lines[0]) < 2 * 0.5 + 3, lines  # two checks of half a second, and slack


def test_a_loop_that_swallows_the_interruption_is_reported_and_the_rest_not_run():
    lines = run_child(ONE_LINE_LOOP + '''
def swallowing_backward(self):
    while True:
        try:
            while True:
                self.grad = 1.0
        except BaseException:
            pass

Value.backward = swallowing_backward
start = time.perf_counter()
report = check(Value, ops=['*'], time_limit=0.3)
print(round(time.perf_counter() - start, 1))
for name in ('backward twice', 'grads add up'):
    print(report[name].status, report[name].message)
''')
    assert float(lines[0]) < 0.3 + 1 + 3, lines  # the limit, a second of grace, and slack
    assert lines[1].startswith('failed still running after 0.3 s, and it could not be stopped: it keeps running '
                               'in the background'), lines
    assert lines[2] == "to do not run: 'backward twice' is still running", lines


def test_an_interrupt_while_waiting_stops_the_learner_code_too():
    lines = run_child(ONE_LINE_LOOP + '''
import os, signal
threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    check(Value, ops=['*'], time_limit=30)
except KeyboardInterrupt:
    print('interrupted', round(time.perf_counter() - start, 1))
cpu = time.process_time()
time.sleep(0.5)
print(round(time.process_time() - cpu, 2))  # a loop left running uses the CPU it gets
''')
    assert lines[0].startswith('interrupted') and float(lines[0].split()[1]) < 3, lines
    assert float(lines[1]) < 0.05, lines


def test_the_interpreter_state_a_learner_changes_is_put_back():
    import threading

    def learner_tracer(frame, event, arg):
        return None

    class ChangesEverything(Reference):
        def backward(self):
            sys.setrecursionlimit(10 ** 6)
            threading.settrace(learner_tracer)
            threading.setprofile(learner_tracer)
            sys.settrace(learner_tracer)
            sys.setprofile(learner_tracer)
            super().backward()

    found = (sys.getrecursionlimit(), sys.gettrace(), sys.getprofile(), threading.gettrace(),
             threading.getprofile())
    try:
        report = check(ChangesEverything)
        after = (sys.getrecursionlimit(), sys.gettrace(), sys.getprofile(), threading.gettrace(),
                 threading.getprofile())
    finally:
        sys.setrecursionlimit(found[0])
        threading.settrace(found[3])
        threading.setprofile(found[4])
    assert report.ok, report
    assert after == found


@pytest.mark.parametrize('time_limit, error, words', [
    (math.nan, ValueError, 'check: time_limit must be a finite number, got nan'),
    (math.inf, ValueError, 'check: time_limit must be a finite number, got inf'),
    (-1, ValueError, 'check: time_limit must be > 0, got -1.0'),
    (0, ValueError, 'check: time_limit must be > 0, got 0.0'),
    ('3', TypeError, "check: time_limit must be a number, got str '3'"),
    (None, TypeError, 'check: time_limit must be a number, got NoneType None'),
    (True, TypeError, 'check: time_limit must be a number, got bool True'),
])
def test_a_time_limit_that_is_not_a_positive_finite_number_is_refused(time_limit, error, words):
    with pytest.raises(error) as raised:
        check(Reference, time_limit=time_limit)
    assert str(raised.value) == words


def test_the_class_and_the_operations_are_checked_before_grading():
    with pytest.raises(TypeError, match=r'check: pass your Value class itself, as in check\(Value\), got '
                                        r'Reference Value\(data=2.0\)'):
        check(Reference(2.0))
    with pytest.raises(TypeError, match=r"check: ops must be a list of operation keys such as \['\+', '\*'\], "
                                        r'got int 5'):
        check(Reference, ops=5)
    assert [row.name for row in check(Reference, ops='**')][:2] == ['construction, repr', 'x ** n']
