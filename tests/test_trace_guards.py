"""A traced program never answers what the eager engine would not.

Three ways a replay could go silently wrong, each with its defence in
autograd/trace.py: a branch on a comparison of Values (a guard re-checked on
every call, and a recording per branch), a number read from `.data` (refused
at trace time, naming the line), and calls from several threads (a lock).
The oracle is the eager engine on a freshly built graph, compared bit for
bit (`assert_replay_matches_eager`, from tests/test_trace.py).
"""

import math
import sys
import threading

import pytest

import nn
from autograd import Value, engine, maximum, no_grad, primitive, trace
from autograd.trace import MOST_BRANCHES, ReplayError
from test_trace import assert_replay_matches_eager, eager

HERE = __file__


def line_of(fn, text):
    """'this file:line' of the first line of `fn`'s source holding `text`."""
    import inspect

    lines, first = inspect.getsourcelines(fn)
    for offset, line in enumerate(lines):
        if text in line:
            return f'{HERE}:{first + offset}'
    raise AssertionError(f'{text!r} not in the source of {fn.__name__}')


def assert_no_watch_left():
    """Tracing leaves the engine as it found it: the plain slot, no comparison hook."""
    assert type(Value.__dict__['data']).__name__ == 'member_descriptor'
    assert engine._comparison_watcher is None


# --------------------------------------------------------------------------
# Branches on comparisons: a guard re-checked on every call


def test_a_branch_on_a_comparison_replays_the_right_branch_on_every_call():
    w = Value(-0.05)

    def fn(x):
        y = x * w
        if y > 0:  # a comparison of Values: the program re-checks it on every call
            return y.tanh()
        return y * 1.0

    program = trace(fn, 2.0)
    # The third call used to replay the first branch: 0.0 where eager gives -0.15.
    for x in (3.0, -3.0, 3.0, -3.0, 0.0, -0.0, 2.0, math.inf, -math.inf, math.nan, 1.0):
        assert_replay_matches_eager(fn, [w], program, x)
    assert len(program) == 2  # one recording per branch, each replayed when its guard holds
    assert 'fn branches' in repr(program)
    assert_no_watch_left()


def test_max_of_values_choosing_another_node_replays_the_node_chosen_now():
    weights = [Value(1.0), Value(-1.0), Value(0.5)]

    def fn(xs):
        logits = [w * x for w, x in zip(weights, xs)]
        return max(logits) * 2.0  # Python's max compares the Values and returns a node

    program = trace(fn, [1.0, 1.0, 1.0])
    for xs in ([-1.0, -1.0, 0.0], [0.0, 0.0, 4.0], [1.0, 1.0, 1.0], [0.0, -3.0, 0.0], [-1.0, -1.0, 0.0]):
        assert_replay_matches_eager(fn, weights, program, xs)


def test_a_branch_on_a_parameter_follows_the_parameter_when_it_changes():
    w = Value(1.0)

    def fn(x):
        return (x * w).tanh() if w >= 0.5 else x * w

    program = trace(fn, 1.5)
    for value in (0.7, 0.2, -1.0, 0.5, 0.49):
        w.data = value  # an optimizer's step crossing the threshold
        assert_replay_matches_eager(fn, [w], program, 1.5)


def test_a_compared_partial_sum_is_kept_though_a_sum_would_absorb_it():
    w = [Value(0.5), Value(-2.0)]

    def fn(xs):
        partial = w[0] * xs[0] + w[1] * xs[1]  # the replay adds such chains without storing them
        total = partial + xs[2]
        return total.tanh() if partial > 0 else total.exp()

    program = trace(fn, [1.0, 0.1, 0.3])
    for xs in ([1.0, 1.0, 0.3], [4.0, 0.1, -2.0], [0.0, 0.0, 1.0], [1.0, 0.1, 0.3]):
        assert_replay_matches_eager(fn, w, program, xs)


def test_sorted_values_replay_every_order():
    def median_of_three(xs):
        low, middle, high = sorted(xs)
        return middle * 10.0 + low

    program = trace(median_of_three, [1.0, 2.0, 3.0])
    orders = [[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [2.0, 3.0, 1.0], [-1.0, 5.0, 0.5], [0.0, -0.0, 0.0]]
    for xs in orders * 2:
        assert_replay_matches_eager(median_of_three, [], program, xs)


def test_a_primitive_that_raises_on_a_branch_not_taken_is_not_replayed_there():
    strict_sqrt = primitive('strict_sqrt', math.sqrt, lambda out, x: (0.5 / out,))  # raises for x < 0

    def fn(x):
        return strict_sqrt(x) if x > 0 else x * x

    program = trace(fn, 4.0)
    for x in (-1.0, 9.0, -2.0):
        assert_replay_matches_eager(fn, [], program, x)


def test_more_branches_than_are_kept_stay_right():
    def fn(xs):
        return maximum(*xs) * 0.0 + max(xs) * 3.0  # max() chooses one of 12 nodes

    program = trace(fn, [float(k) for k in range(12)])
    for chosen in list(range(12)) * 2:
        xs = [1.0 if k == chosen else 0.0 for k in range(12)]
        assert_replay_matches_eager(fn, [], program, xs)
    assert len(program) <= MOST_BRANCHES


def test_a_compared_value_the_output_does_not_depend_on_is_computed_for_the_guard():
    w, unused_weight = Value(2.0), Value(-1.0)

    def fn(x):
        unused = (x * unused_weight).exp()  # the output never reads it, nor its weight
        if unused > 1.0:
            return x * w
        return (x * w).tanh()

    program = trace(fn, 1.0)
    for x in (-1.0, 1.0, -0.5, 0.0, 2.0):
        assert_replay_matches_eager(fn, [w, unused_weight], program, x)
    unused_weight.data = 1.0  # read live, as a parameter is
    for x in (-1.0, 1.0):
        assert_replay_matches_eager(fn, [w, unused_weight], program, x)


def test_a_leaf_output_chosen_by_comparing_computed_values_is_refused():
    def fn(xs):
        if xs[0] * 2.0 > xs[1]:
            return xs[0]
        return xs[1]

    with pytest.raises(ReplayError, match='returns a leaf') as caught:
        trace(fn, [1.0, 3.0])
    assert line_of(fn, 'if xs[0]') in str(caught.value)
    assert_no_watch_left()


def test_a_leaf_output_chosen_by_comparing_inputs_replays():
    def larger(a, b):
        return max(a, b)

    program = trace(larger, 1.0, 2.0)
    for a, b in ((1.0, 2.0), (5.0, -1.0), (0.0, 0.0), (-3.0, -2.0), (2.0, 1.0)):
        assert_replay_matches_eager(larger, [], program, a, b)


# --------------------------------------------------------------------------
# Reads of .data: refused at trace time, naming the line


def test_a_branch_on_data_is_refused_at_trace_time_naming_the_line():
    w = Value(0.5)

    def fn(x):
        y = x * w
        if y.data > 0:
            return y.tanh()
        return y * 0.1

    # Traced, then replayed for 3.0 (checked) and -3.0, this used to answer 0.0 where eager gives -0.15.
    with pytest.raises(ReplayError) as caught:
        trace(fn, 2.0)
    message = str(caught.value)
    assert line_of(fn, 'if y.data') in message
    assert '.data' in message and 'eager' in message and 'x > 0' in message
    assert_no_watch_left()


def test_softmax_shifted_by_max_of_data_is_refused_naming_the_line():
    weights = [Value(1.0), Value(-0.5), Value(2.0)]

    def fn(xs):
        logits = [w * x for w, x in zip(weights, xs)]
        shift = max(v.data for v in logits)
        exps = [(v - shift).exp() for v in logits]
        return -(exps[0] / sum(exps)).log()

    with pytest.raises(ReplayError, match='autograd.maximum') as caught:
        trace(fn, [1.0, 2.0, 3.0])
    assert line_of(fn, 'shift = max') in str(caught.value)
    assert '(and 2 more times)' in str(caught.value)
    assert [w.grad for w in weights] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize('read', [
    lambda x: Value(x.detach().data),
    lambda x: x.detach(),
    lambda x: Value(getattr(x, 'data')),
    lambda x: max([x, x * 2.0], key=lambda v: v.data),
    lambda x: no_grad()(lambda: x * 2.0)(),  # a leaf computed from the data, cut off from the graph
])
def test_every_way_of_taking_a_number_out_of_the_graph_is_refused(read):
    def fn(x):
        return read(x * 1.5) * x

    with pytest.raises(ReplayError, match=r'fn reads \.data at .*test_trace_guards\.py:\d+'):
        trace(fn, 2.0)
    assert_no_watch_left()


def test_float_and_round_of_a_value_are_the_users_reads_though_the_engine_makes_them():
    # Value.__float__ and __round__ live in engine.py, whose own reads do not count;
    # through them fn takes a number out of the graph all the same.
    def times_its_float(x):
        return x * float(x)

    def plus_its_rounded(x):
        return x + round(x, 1)

    for fn, text in ((times_its_float, 'x * float(x)'), (plus_its_rounded, 'x + round(x, 1)')):
        with pytest.raises(ReplayError, match='reads .data') as caught:
            trace(fn, 2.25)
        assert line_of(fn, text) in str(caught.value)
        assert_no_watch_left()
    with pytest.raises(ReplayError, match=r'fn reads \.data at .*test_trace_guards\.py:\d+'):
        trace(lambda x: x * float(x), 2.0)


def test_the_engines_own_modules_reading_data_are_not_the_users_reads():
    # sin has no hand-written backward: rule.py's backward_from_partials reads
    # the data, as engine.py's fast backward of * does; neither is fn's read.
    from autograd import guards

    def fn(x):
        y = x.sin() * x
        y.backward()
        return y

    assert trace(fn, 0.7)(0.9) == eager(lambda x: x.sin() * x, [], 0.9)[0]
    assert {'autograd.engine', 'autograd.rule', 'autograd.custom', 'autograd.floats'} <= guards.ENGINE_MODULES
    assert_no_watch_left()


def test_a_read_swallowed_by_fn_is_refused_all_the_same():
    def fn(x):
        try:
            if x.data > 1e300:
                raise OverflowError
        except Exception:  # a careless fn that hides every error
            pass
        return x * 2.0

    with pytest.raises(ReplayError, match='reads .data'):
        trace(fn, 1.0)


def test_the_data_of_the_result_may_be_read_after_the_call():
    model = nn.MLP(2, [4, 1], seed=0)
    program = trace(lambda xs: sum(model(x) for x in xs), [[1.0, 2.0], [0.5, -1.0]])
    value = program([[0.0, 1.0], [2.0, 2.0]])
    assert value == sum(model(x) for x in [[0.0, 1.0], [2.0, 2.0]]).data
    assert_no_watch_left()


def test_an_error_inside_fn_leaves_no_watch_behind():
    def fn(x):
        raise KeyError('boom')

    with pytest.raises(KeyError):
        trace(fn, 1.0)
    assert_no_watch_left()


def test_another_thread_reading_data_while_one_traces_is_neither_refused_nor_misread():
    started, done = threading.Event(), threading.Event()
    seen = []

    def reader():
        started.wait(10)
        leaf = Value(7.25)
        seen.extend((leaf * 2.0).data for _ in range(1000))
        seen.append(leaf.data > 7.0)
        done.set()

    def fn(x):
        started.set()
        assert done.wait(10), 'the reader thread did not finish'
        return x * 3.0

    thread = threading.Thread(target=reader)
    thread.start()
    program = trace(fn, 1.0)
    thread.join(10)
    assert seen == [14.5] * 1000 + [True]
    assert program(2.0) == 6.0
    assert_no_watch_left()


# --------------------------------------------------------------------------
# Threads: one program replayed from several at once


def test_one_program_replayed_from_two_threads_gives_every_thread_its_own_answer():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        model = nn.MLP(2, [6, 1], seed=0)
        parameters = model.parameters()

        def fn(xs):
            return sum((model(x) - 1.0) ** 2 for x in xs)

        program = trace(fn, [[0.0, 0.0]] * 8)
        args = [[[0.1 * k + 0.01 * i, -0.2 * k] for i in range(8)] for k in range(2)]
        want = [eager(fn, parameters, xs) for xs in args]
        for p in parameters:
            p.grad = 0.0
        calls = 150
        wrong = []

        def work(k):
            for _ in range(calls):
                value = program(args[k])
                grads = [g for row in program.input_grads[0] for g in row]
                if value != want[k][0] or grads != want[k][2]:
                    wrong.append(k)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        sys.setswitchinterval(old)
    assert wrong == []
    # Every call's gradient was added, none lost to the other thread.
    for p, g0, g1 in zip(parameters, want[0][1], want[1][1]):
        assert p.grad == pytest.approx(calls * (g0 + g1), rel=1e-9, abs=1e-12)
