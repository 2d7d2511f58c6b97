"""The calculus issue: new operations at their kinks and domain edges, the max
gate, comparisons, user-defined primitives, value_and_grad, detect_anomaly,
and thread-local no_grad.

Oracles: the values below are worked out by hand from the definitions
(stated next to each), central differences, and sympy via the tables in
test_engine_props.py and test_functional.py (values, first, second and
third derivatives of every new operation).
"""

import math
import threading

import mpmath
import pytest
import sympy

import autograd
from autograd import (
    Value, detect_anomaly, exp, explain, grad, gradcheck, jvp, log, maximum, minimum, no_grad, primitive,
    sigmoid, value_and_grad,
)
from autograd.engine import RULES, local_derivatives


def gradient_of(function, *points):
    leaves = [Value(p) for p in points]
    function(*leaves).backward()
    return [leaf.grad for leaf in leaves]


# --------------------------------------------------------------------------
# Kinks and domain edges, as the docstrings state them


def test_sqrt_at_zero_has_an_infinite_slope_and_nan_below():
    assert gradient_of(lambda x: x.sqrt(), 0.0) == [math.inf]      # 1 / (2 sqrt(0))
    assert gradient_of(lambda x: x.sqrt(), 4.0) == [0.25]          # 1 / (2 * 2)
    below = Value(-1.0).sqrt()
    assert math.isnan(below.data)


def test_abs_has_slope_zero_at_zero_like_sign():
    assert gradient_of(abs, 0.0) == [0.0]
    assert gradient_of(abs, -0.0) == [0.0]
    assert gradient_of(abs, -2.0) == [-1.0]
    assert gradient_of(abs, 3.0) == [1.0]
    assert abs(Value(-2.5)).data == 2.5


def test_leaky_relu_slope_default_and_given():
    assert gradient_of(lambda x: x.leaky_relu(), -3.0) == [0.01]
    assert gradient_of(lambda x: x.leaky_relu(), 0.0) == [0.01]   # the kink takes the left slope
    assert gradient_of(lambda x: x.leaky_relu(0.2), 5.0) == [1.0]
    assert Value(-3.0).leaky_relu(0.2).data == -3.0 * 0.2
    with pytest.raises(TypeError, match='slope'):
        Value(1.0).leaky_relu('0.1')


def test_softplus_is_stable_at_both_ends():
    high = Value(1000.0)
    out = high.softplus()
    out.backward()
    assert out.data == 1000.0 and high.grad == 1.0          # log(1 + e^1000) = 1000 + log(1 + e^-1000)
    low = Value(-1000.0).softplus()
    assert low.data == 0.0                                    # e^-1000 underflows: the exact float is 0
    for x in (-30.0, -50.0, -700.0, -1.0, 2.0):
        # Against log(1 + e^x) at 50 digits: within one rounding (the naive
        # formula gives 0.0 or 1e-13-ish garbage at -30 and below).
        with mpmath.workdps(50):
            exact = float(mpmath.log1p(mpmath.exp(x)))
        assert math.isclose(Value(x).softplus().data, exact, rel_tol=2.3e-16)
    assert Value(-50.0).softplus().data == math.exp(-50.0)   # e^x (1 - e^x / 2): the correction is below an ulp
    assert Value(0.0).softplus().data == math.log(2.0)


def test_clamp_passes_the_gradient_inside_and_on_the_bounds():
    assert gradient_of(lambda x: x.clamp(-1.0, 1.0), 0.3) == [1.0]
    assert gradient_of(lambda x: x.clamp(-1.0, 1.0), 1.0) == [1.0]   # bounds included, as PyTorch
    assert gradient_of(lambda x: x.clamp(-1.0, 1.0), -1.0) == [1.0]
    assert gradient_of(lambda x: x.clamp(-1.0, 1.0), 1.5) == [0.0]
    assert gradient_of(lambda x: x.clamp(lo=0.0), -2.0) == [0.0]
    assert gradient_of(lambda x: x.clamp(hi=0.0), -2.0) == [1.0]
    assert Value(7.0).clamp(hi=2.0).data == 2.0
    with pytest.raises(ValueError, match='lo=2.0 is greater than hi=1.0'):
        Value(0.0).clamp(2.0, 1.0)
    with pytest.raises(TypeError, match='lo must be a real number'):
        Value(0.0).clamp('a')


def test_sin_cos_values():
    assert Value(0.0).sin().data == 0.0 and Value(0.0).cos().data == 1.0
    assert gradient_of(lambda x: x.sin(), 0.0) == [1.0]
    assert gradient_of(lambda x: x.cos(), 0.0) == [-0.0]


# --------------------------------------------------------------------------
# The max gate


def test_maximum_routes_the_whole_gradient_to_the_chosen_operand():
    a, b, c = Value(1.0), Value(3.0), Value(2.0)
    out = maximum(a, b, c) * 5
    out.backward()
    assert out.data == 15.0
    assert (a.grad, b.grad, c.grad) == (0.0, 5.0, 0.0)
    assert len(out._prev[0]._prev) == 3      # one node with three parents, not a chain


def test_minimum_and_numbers_mixed_in():
    x, y = Value(-1.0), Value(4.0)
    low = minimum(x, 0.0, y)
    low.backward()
    assert low.data == -1.0 and x.grad == 1.0 and y.grad == 0.0
    x.grad = y.grad = 0.0
    high = maximum(x, 0.0, y, 10.0)          # a number wins: no gradient reaches any Value
    high.backward()
    assert high.data == 10.0 and x.grad == 0.0 and y.grad == 0.0
    assert maximum(2.0, 5, 3.0) == 5.0       # only numbers: a plain float


def test_ties_go_to_the_first_maximal_operand():
    a, b, c = Value(2.0), Value(2.0), Value(1.0)
    maximum(c, a, b).backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 0.0, 0.0)
    a.grad = b.grad = 0.0
    minimum(b, a, 2.0).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)
    x = Value(2.0)
    maximum(2.0, x).backward()              # the number comes first and wins the tie
    assert x.grad == 0.0


def test_maximum_propagates_nan():
    x, y = Value(1.0), Value(math.nan)
    out = maximum(x, y)
    out.backward()
    assert math.isnan(out.data) and y.grad == 1.0 and x.grad == 0.0


def test_maximum_rejects_bad_operands():
    with pytest.raises(TypeError, match='at least one operand'):
        maximum()
    with pytest.raises(TypeError, match="operand 1 is str: 'a'"):
        maximum(Value(1.0), 'a')


def test_softmax_shifted_by_maximum_inside_the_graph_matches_the_unshifted_one():
    logits = [Value(v) for v in (1.0, 3.0, -0.5)]
    shift = maximum(*logits)
    exps = [(z - shift).exp() for z in logits]
    total = sum(exps)
    loss = -(exps[1] / total).log()
    loss.backward()
    # d(-log softmax_1)/dz_j = softmax_j - [j == 1], computed here in plain floats.
    e = [math.exp(v) for v in (1.0, 3.0, -0.5)]
    softmax = [v / sum(e) for v in e]
    for j, z in enumerate(logits):
        assert math.isclose(z.grad, softmax[j] - (j == 1), rel_tol=1e-12, abs_tol=1e-15)


# --------------------------------------------------------------------------
# Comparisons


def test_comparisons_compare_data_and_return_bools():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= b) is True and (a > b) is False and (a >= b) is False
    assert (a < 1.5) is True and (2 > a) is True and (1 <= a) is True and (a >= 1) is True
    with pytest.raises(TypeError):
        a < 'b'


def test_max_and_sorted_return_the_nodes_and_route_the_gradient():
    values = [Value(v) for v in (0.5, -1.0, 2.0)]
    best = max(values)
    assert best is values[2]
    assert [v.data for v in sorted(values)] == [-1.0, 0.5, 2.0]
    (best * 3).backward()
    assert [v.grad for v in values] == [0.0, 0.0, 3.0]


def test_equality_and_hash_stay_identity_based():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# --------------------------------------------------------------------------
# Functions of floats and Values alike


@pytest.mark.parametrize('function, reference', [
    (exp, math.exp), (log, math.log), (autograd.sin, math.sin), (autograd.cos, math.cos),
    (autograd.tanh, math.tanh), (autograd.sqrt, math.sqrt), (sigmoid, lambda x: 1 / (1 + math.exp(-x))),
])
def test_math_functions_take_floats_and_values(function, reference):
    assert function(0.7) == pytest.approx(reference(0.7), rel=1e-15)
    assert isinstance(function(0.7), float)
    node = function(Value(0.7))
    assert isinstance(node, Value) and node.data == function(0.7)


def test_math_functions_refuse_other_types():
    with pytest.raises(TypeError, match="exp\\(\\) takes a Value or a real number, got str"):
        exp('1')


# --------------------------------------------------------------------------
# Your own primitive


def make_softplus():
    # The docs' example: three lines.
    return primitive('softplus', lambda x: math.log1p(math.exp(x)),
                     lambda out, x: (1 / (1 + exp(-x)),))


def test_user_primitive_value_gradient_and_second_derivative():
    softplus = make_softplus()
    x = Value(0.3)
    y = softplus(x)
    assert y.data == math.log1p(math.exp(0.3)) and y._op == 'softplus'
    first, = grad(y, [x], create_graph=True)
    second, = grad(first, [x])
    s = 1 / (1 + math.exp(-0.3))
    assert math.isclose(first.data, s, rel_tol=1e-15)
    assert math.isclose(second, s * (1 - s), rel_tol=1e-12)   # sigmoid' = sigmoid (1 - sigmoid)
    y.backward()
    assert math.isclose(x.grad, s, rel_tol=1e-15)


def test_user_primitive_agrees_with_the_builtin_softplus_everywhere_tools_look():
    softplus = make_softplus()
    for point in (-2.0, 0.0, 1.5):
        report = gradcheck(lambda x: softplus(x) * x, [point])
        assert report.ok, repr(report)
        value, tangent = jvp(lambda x: softplus(x * x), [point], [1.0])
        s = 1 / (1 + math.exp(-point * point))
        assert math.isclose(tangent, s * 2 * point, rel_tol=1e-12, abs_tol=1e-15)
    x = Value(0.5, label='x')
    out = softplus(x) * 2
    out.backward()
    assert f'{x.grad:.6g}' in str(explain(out, x))
    expression, derivatives = out._prev[0]._rule.texts(out._prev[0], lambda v: v.label or 'out')
    assert expression == 'softplus(x)' and derivatives == ('dsoftplus/dx',)


def test_user_primitive_of_two_operands_with_a_number():
    hypot = primitive('hypot', lambda x, y: math.hypot(x, y), lambda out, x, y: (x / out, y / out))
    x = Value(3.0)
    out = hypot(x, 4.0)
    out.backward()
    assert out.data == 5.0 and x.grad == 3.0 / 5.0
    assert out._prev == (x,)
    y = Value(3.0)
    hypot(4.0, y).backward()
    assert y.grad == 3.0 / 5.0
    assert hypot(3.0, 4.0) == 5.0            # numbers only: the float


def test_wrong_partials_are_caught_by_gradcheck():
    wrong = primitive('wrong_softplus', lambda x: math.log1p(math.exp(x)),
                      lambda out, x: (exp(x) / (1 + exp(x)) ** 2,))   # sigmoid', not sigmoid
    report = gradcheck(lambda x: wrong(x), [0.7])
    assert not report.ok


def test_bad_definitions_are_refused_at_definition_time():
    with pytest.raises(TypeError, match='name must be a str'):
        primitive(3, math.exp, lambda out, x: (out,))
    with pytest.raises(TypeError, match='forward must be a function'):
        primitive('f', 1.0, lambda out, x: (out,))
    with pytest.raises(TypeError, match=r"partials must take \(out, x\), 2 arguments; it takes 1"):
        primitive('f', lambda x: x, lambda x: (1.0,))
    with pytest.raises(TypeError, match='cannot read the parameters of forward'):
        primitive('f', math.hypot, lambda out, x, y: (x / out, y / out))
    with pytest.raises(TypeError, match='not take \\*args'):
        primitive('f', lambda *xs: sum(xs), lambda out, *xs: (1.0,) * len(xs))


def test_partials_returning_the_wrong_count_names_the_primitive_at_first_use():
    broken = primitive('broken', lambda x, y: x * y, lambda out, x, y: (y,))
    a, b = Value(2.0), Value(3.0)
    out = broken(a, b)
    with pytest.raises(ValueError, match="primitive 'broken': partials returned 1 local derivatives for 2"):
        out.backward()
    with pytest.raises(TypeError, match='broken\\(\\) takes 2 operands, got 1'):
        broken(a)


# --------------------------------------------------------------------------
# Every rule has its words


def test_every_rule_has_a_forward_and_its_texts():
    for rule in RULES:
        assert callable(rule.forward) and callable(rule.backward) and callable(rule.partials), rule
        assert rule.expression, rule
        if rule.operands is None:
            assert '{x}' in rule.derivatives, rule
        else:
            values = [name for name in rule.operands if name != 'c']
            assert len(rule.derivatives) == len(values), rule


# --------------------------------------------------------------------------
# value_and_grad


def test_value_and_grad_matches_sympy():
    x, y = sympy.symbols('x y')
    expression = x * sympy.sin(y) + sympy.exp(x * y)
    point = {x: 0.4, y: -1.3}
    value, gradient = value_and_grad(lambda a, b: a * b.sin() + (a * b).exp(), [0.4, -1.3])
    assert math.isclose(value, float(expression.subs(point)), rel_tol=1e-14)
    for got, symbol in zip(gradient, (x, y)):
        assert math.isclose(got, float(sympy.diff(expression, symbol).subs(point)), rel_tol=1e-12)


def test_value_and_grad_leaves_grads_alone_and_checks_arguments():
    w = Value(2.0)
    value, gradient = value_and_grad(lambda x: x * w, [3.0])
    assert (value, gradient, w.grad) == (6.0, [2.0], 0.0)
    assert value_and_grad(lambda x: 4.0, [1.0]) == (4.0, [0.0])
    with pytest.raises(TypeError, match='value_and_grad'):
        value_and_grad(lambda x: [x], [1.0])
    with pytest.raises(TypeError, match='value_and_grad'):
        value_and_grad('f', [1.0])


# --------------------------------------------------------------------------
# detect_anomaly


def test_detect_anomaly_names_the_line_of_a_forward_nan():
    x = Value(3.0, label='x')
    with detect_anomaly():
        with pytest.raises(FloatingPointError) as error:
            y = (x - x).log()  # THE FORWARD LINE
    message = str(error.value)
    assert 'log(0.0) gave -inf' in message
    assert 'test_calculus.py' in message and 'THE FORWARD LINE' in message


def test_detect_anomaly_names_the_line_of_a_backward_inf():
    with detect_anomaly():
        z = Value(0.0, label='z')
        root = z.sqrt() * 2  # THE NODE'S LINE
        with pytest.raises(FloatingPointError) as error:
            root.backward()
    message = str(error.value)
    assert 'backward of sqrt(z=0.0)' in message and 'is inf' in message
    assert "THE NODE'S LINE" in message


def test_outside_detect_anomaly_nothing_is_checked_and_nothing_is_kept():
    from autograd import grad_mode
    with detect_anomaly():
        assert grad_mode.watcher is not None and grad_mode.unusual == 1
    assert grad_mode.watcher is None and grad_mode.unusual == 0
    y = (Value(1.0) - 1.0).log()            # IEEE result, no error
    assert y.data == -math.inf
    z = Value(0.0)
    z.sqrt().backward()
    assert z.grad == math.inf


def test_detect_anomaly_passes_finite_computations_unchanged():
    x = Value(0.5)
    with detect_anomaly():
        out = (x * 3).tanh() + x.exp()
        out.backward()
    reference = Value(0.5)
    ((reference * 3).tanh() + reference.exp()).backward()
    assert x.grad == reference.grad


# --------------------------------------------------------------------------
# no_grad is per thread


def test_no_grad_in_one_thread_does_not_stop_another_from_recording():
    inside = threading.Event()
    done = threading.Event()
    grads = []

    def evaluator():
        with no_grad():
            inside.set()
            done.wait(10)

    def trainer():
        inside.wait(10)
        w = Value(2.0)
        (w * w).backward()
        grads.append(w.grad)
        done.set()

    threads = [threading.Thread(target=evaluator), threading.Thread(target=trainer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert grads == [4.0]


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with no_grad():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with no_grad():
            second_in.set()
            first_out.wait(10)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    x = Value(3.0)
    y = x * x
    assert y._prev == (x, x) and autograd.is_grad_enabled()
