"""The `Value` engine: structure, reuse, backward rules, no_grad, detach, errors.

Expected numbers are worked out by hand (in the comments) or come from plain
Python float arithmetic; sympy-based property tests of every operation are
in test_engine_props.py.
"""

import fractions
import math
import sys
import time

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, is_grad_enabled, no_grad
from autograd.graph import topo_order


def close(actual, expected, rel=1e-12, abs_tol=1e-12):
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol)


# --------------------------------------------------------------------------
# Construction and accepted numbers


@pytest.mark.parametrize(
    'number, expected',
    [
        (3, 3.0),
        (-2.5, -2.5),
        (fractions.Fraction(1, 4), 0.25),
        (np.float32(1.5), 1.5),
        (np.int64(-7), -7.0),
        (np.float64(0.1), 0.1),
    ],
    ids=['int', 'float', 'Fraction', 'np.float32', 'np.int64', 'np.float64'],
)
def test_real_numbers_are_stored_as_python_floats(number, expected):
    value = Value(number)
    assert type(value.data) is float
    assert value.data == expected
    assert value.grad == 0.0 and type(value.grad) is float
    assert value._prev == () and value._op == ''


@pytest.mark.parametrize(
    'bad, type_name',
    [('3', 'str'), (True, 'bool'), (None, 'NoneType'), (np.bool_(False), 'bool'), (1 + 2j, 'complex'), ([1.0], 'list')],
    ids=['str', 'bool', 'None', 'np.bool_', 'complex', 'list'],
)
def test_non_real_data_is_a_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name) as error:
        Value(bad)
    assert 'Value' in str(error.value)


def test_label_must_be_a_string():
    assert Value(1.0, label='w1').label == 'w1'
    assert Value(1.0).label == ''
    with pytest.raises(TypeError, match='label'):
        Value(1.0, label=3)


def test_repr_is_short_and_shows_data_grad_and_label():
    a = Value(2.0, label='a')
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"
    b = Value(-0.5)
    assert repr(b).startswith('Value(data=-0.5, grad=0.0') and repr(b).endswith(')')
    (a * 3).backward()
    assert repr(a) == "Value(data=2.0, grad=3.0, label='a')"


# --------------------------------------------------------------------------
# Graph structure: parents in operand order, duplicates kept, constants inline


def test_parents_are_an_ordered_tuple_that_keeps_duplicates():
    a, b = Value(1.0, label='a'), Value(2.0, label='b')
    assert (a + a)._prev == (a, a)
    assert (a * b)._prev == (a, b)
    assert (b * a)._prev == (b, a)
    assert (a ** b)._prev == (a, b)
    assert type((a + b)._prev) is tuple


@pytest.mark.parametrize(
    'build, op, const',
    [
        (lambda x: x * 2, '*2', 2.0),
        (lambda x: 2 * x, '*2', 2.0),
        (lambda x: x + 1, '+1', 1.0),
        (lambda x: 1 + x, '+1', 1.0),
        (lambda x: x - 1, '+-1', -1.0),
        (lambda x: x / 3, '/3', 3.0),
        (lambda x: 3 / x, '3/', 3.0),
        (lambda x: x**3, '**3', 3.0),
        (lambda x: x**0.5, '**0.5', 0.5),
        (lambda x: 2**x, '2**', 2.0),
        (lambda x: -x, '*-1', -1.0),
    ],
    ids=['x*2', '2*x', 'x+1', '1+x', 'x-1', 'x/3', '3/x', 'x**3', 'x**0.5', '2**x', '-x'],
)
def test_python_numbers_are_constants_on_the_node_not_extra_leaves(build, op, const):
    x = Value(4.0)
    out = build(x)
    assert out._prev == (x,)
    assert out._op == op
    assert out._const == const


@pytest.mark.parametrize(
    'build, op',
    [
        (lambda a, b: a + b, '+'),
        (lambda a, b: a * b, '*'),
        (lambda a, b: a / b, '/'),
        (lambda a, b: a**b, '**'),
        (lambda a, b: a.exp(), 'exp'),
        (lambda a, b: a.log(), 'log'),
        (lambda a, b: a.tanh(), 'tanh'),
        (lambda a, b: a.sigmoid(), 'sigmoid'),
        (lambda a, b: a.relu(), 'relu'),
    ],
)
def test_op_names(build, op):
    assert build(Value(2.0), Value(3.0))._op == op


def test_subtraction_and_negation_are_composed():
    a, b = Value(5.0), Value(3.0)
    difference = a - b  # a + b * -1
    assert difference._op == '+'
    assert difference._prev[0] is a
    assert difference._prev[1]._op == '*-1' and difference._prev[1]._prev == (b,)
    reverse = 1 - a  # a * -1 + 1
    assert reverse._op == '+1' and reverse._prev[0]._op == '*-1'


# --------------------------------------------------------------------------
# Forward values are exactly the float results the engine promises


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(x=finite, y=finite)
def test_add_sub_mul_are_bit_identical_to_float_arithmetic(x, y):
    a, b = Value(x), Value(y)
    assert (a + b).data == x + y
    assert (a - b).data == x - y
    assert (a * b).data == x * y
    # Constants on either side.
    assert (a + y).data == x + y and (x + b).data == x + y
    assert (a - y).data == x - y and (x - b).data == x - y
    assert (a * y).data == x * y and (x * b).data == x * y
    assert (-a).data == -x


@settings(max_examples=200, deadline=None)
@given(x=finite, y=finite.filter(lambda v: v != 0.0))
def test_division_is_bit_identical_to_float_division(x, y):
    assert (Value(x) / Value(y)).data == x / y
    assert (Value(x) / y).data == x / y
    if x != 0.0:
        assert (y / Value(x)).data == y / x


# --------------------------------------------------------------------------
# Reuse of a node, fan-out, fan-in: gradients accumulate


def test_a_plus_a_has_two_edges_and_gradient_two():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert b._prev == (a, a)
    assert a.grad == 2.0  # d(2a)/da


def test_x_plus_x_times_x():
    x = Value(3.0)
    y = (x + x) * x  # 2x**2 = 18, dy/dx = 4x = 12
    y.backward()
    assert y.data == 18.0
    assert close(x.grad, 12.0)


def test_fan_out_sums_every_path():
    x = Value(2.0)
    y = x * 3 + x.exp() + x * x  # dy/dx = 3 + e**x + 2x
    y.backward()
    assert close(x.grad, 3 + math.exp(2.0) + 4.0)


def test_fan_in_of_many_values():
    xs = [Value(float(i)) for i in range(100)]
    total = sum(xs)
    weighted = sum(x * (i + 1) for i, x in enumerate(xs))
    (total * weighted).backward()  # d/dx_i = weighted + total * (i + 1)
    s = sum(range(100))
    w = sum(i * (i + 1) for i in range(100))
    for i, x in enumerate(xs):
        assert close(x.grad, w + s * (i + 1))


def test_diamond_shared_intermediate():
    a, b = Value(2.0), Value(-3.0)
    shared = a * b  # -6
    out = shared * shared + shared.tanh()  # d/dshared = 2 shared + 1 - tanh(shared)**2
    out.backward()
    dshared = 2 * -6.0 + 1 - math.tanh(-6.0) ** 2
    assert close(shared.grad, dshared)
    assert close(a.grad, dshared * -3.0)
    assert close(b.grad, dshared * 2.0)


def test_mixed_number_types_as_constants():
    x = Value(2.0)
    y = x * np.float32(0.5) + fractions.Fraction(1, 2) * x + np.int64(3)
    y.backward()
    assert y.data == 5.0 and x.grad == 1.0
    assert type(y._const) is float


# --------------------------------------------------------------------------
# backward(): seeding, calling it twice, by hand node by node


def test_backward_seeds_the_root_with_one():
    a = Value(2.0)
    out = a * 5
    out.backward()
    assert out.grad == 1.0 and a.grad == 5.0


def test_backward_twice_doubles_leaves_and_restarts_interior_nodes():
    a = Value(3.0)
    square = a * a
    cube = square * a  # dc/da = 3a**2 = 27
    cube.backward()
    assert a.grad == 27.0
    assert square.grad == 3.0  # dc/d(square) = a
    cube.backward()
    assert a.grad == 54.0  # micrograd gives 72 here
    assert square.grad == 3.0  # restarted from zero, not 6
    assert cube.grad == 1.0


def test_backward_from_two_roots_sharing_a_node():
    x = Value(0.5)
    hidden = x.tanh()
    first = hidden * 2
    second = hidden * hidden
    first.backward()
    second.backward()  # leaf grads accumulate over both roots
    slope = 1 - math.tanh(0.5) ** 2
    assert close(x.grad, 2 * slope + 2 * math.tanh(0.5) * slope)
    assert close(hidden.grad, 2 * math.tanh(0.5))  # only the last pass


def test_backward_on_a_leaf_gives_one():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def lecture_neuron():
    """The classic hand-worked neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')
    w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    return o, {'x1': x1, 'x2': x2, 'w1': w1, 'w2': w2, 'b': b}


def test_backward_by_hand_with_underscore_backward_reproduces_backward():
    o, leaves = lecture_neuron()
    o.grad = 1.0
    for node in reversed(topo_order(o)):
        node._backward()  # a leaf's _backward does nothing
    by_hand = {name: leaf.grad for name, leaf in leaves.items()}

    o2, leaves2 = lecture_neuron()
    o2.backward()
    for name, leaf in leaves2.items():
        assert close(by_hand[name], leaf.grad), name

    # Hand computation: o = tanh(n) with n = 0.8813..., so do/dn = 1 - o**2 = 0.5.
    assert close(o.data, math.sqrt(0.5), rel=1e-9)
    slope = 1 - o.data**2
    assert close(slope, 0.5, rel=1e-9)
    assert close(by_hand['x1'], slope * -3.0)
    assert close(by_hand['w1'], slope * 2.0)
    assert close(by_hand['x2'], slope * 1.0)
    assert close(by_hand['w2'], 0.0)
    assert close(by_hand['b'], slope)


def test_underscore_backward_pushes_exactly_once_per_call():
    a, b = Value(2.0), Value(-4.0)
    c = a * b
    c.grad = 1.0
    c._backward()
    assert (a.grad, b.grad) == (-4.0, 2.0)
    c._backward()
    assert (a.grad, b.grad) == (-8.0, 4.0)
    assert c.grad == 1.0  # it only reads its own grad


def test_deep_chain_needs_no_recursion():
    """micrograd's recursive sort dies at about 500 links; a sum of 5,000 terms is fine here."""
    terms = [Value(float(i)) for i in range(5000)]
    depth = current_stack_depth()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)
    try:
        total = sum(terms)
        total.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert total.data == sum(range(5000))
    assert all(t.grad == 1.0 for t in terms)


def current_stack_depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


@pytest.mark.slow
def test_a_million_operation_chain(capsys):
    """y = ((x * c) + d) * c + d ... 1,000,000 operations; dy/dx = c ** 500,000.

    The backward pass runs under a recursion limit only 100 frames above the
    current depth, so any recursion in the sort or the pass would fail.
    """
    scale, shift, pairs = 1.000001, 0.5, 500_000
    x = Value(1.0, label='x')
    start = time.perf_counter()
    y = x
    for _ in range(pairs):
        y = y * scale
        y = y + shift
    built = time.perf_counter()

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(current_stack_depth() + 100)
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    done = time.perf_counter()

    # Independent closed forms: dy/dx = c**n; y = c**n x + d (c**n - 1) / (c - 1).
    expected_grad = math.exp(pairs * math.log1p(scale - 1.0))
    expected_value = expected_grad * 1.0 + shift * (expected_grad - 1.0) / (scale - 1.0)
    assert math.isclose(x.grad, expected_grad, rel_tol=1e-8)
    assert math.isclose(y.data, expected_value, rel_tol=1e-6)
    del y  # freeing a million-deep chain must not crash either
    with capsys.disabled():
        print(f'\n  1,000,000-op chain: build {built - start:.2f} s, backward {done - built:.2f} s')


# --------------------------------------------------------------------------
# no_grad and detach


def test_no_grad_records_no_parents():
    x, w = Value(2.0), Value(3.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (x * w + 1).tanh() ** 2 / 4 - x.exp()
    assert is_grad_enabled()
    assert y._prev == () and y._rule is None and y._op == ''
    expected = math.tanh(7.0) ** 2 / 4 - math.exp(2.0)
    assert close(y.data, expected)
    y.backward()  # a leaf: nothing flows to x or w
    assert x.grad == 0.0 and w.grad == 0.0


def test_no_grad_is_exported_from_the_package():
    assert autograd.no_grad is no_grad


def test_no_grad_nesting_and_exceptions_restore_the_state():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # the inner exit restores "off"
    assert is_grad_enabled()

    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError('boom')
    assert is_grad_enabled()

    reused = no_grad()
    with reused:
        with reused:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_as_a_decorator():
    @no_grad()
    def evaluate(x):
        """Doc kept."""
        assert not is_grad_enabled()
        return x * x

    out = evaluate(Value(3.0))
    assert out.data == 9.0 and out._prev == ()
    assert is_grad_enabled()
    assert evaluate.__name__ == 'evaluate' and evaluate.__doc__ == 'Doc kept.'


def test_backward_inside_no_grad_still_works_on_a_recorded_graph():
    x = Value(2.0)
    y = x * x * x
    with no_grad():
        y.backward()
    assert x.grad == 12.0


def test_detach_is_a_new_leaf_with_the_same_data():
    x = Value(3.0, label='x')
    y = x * 2
    frozen = y.detach()
    assert frozen is not y
    assert frozen.data == 6.0 and frozen._prev == () and frozen._op == ''
    assert frozen.grad == 0.0
    out = frozen * x  # gradient does not flow through the detached copy
    out.backward()
    assert x.grad == 6.0
    assert y.grad == 0.0


# --------------------------------------------------------------------------
# Bad input: clear errors naming the operation and the offending value


@pytest.mark.parametrize(
    'operation, type_names',
    [
        (lambda x: x + 'str', ('Value', 'str')),
        (lambda x: 'str' + x, ('Value', 'str')),
        (lambda x: x * None, ('Value', 'NoneType')),
        (lambda x: x - [1], ('Value', 'list')),
        (lambda x: x / 'a', ('Value', 'str')),
        (lambda x: {} / x, ('dict', 'Value')),
        (lambda x: x ** '2', ('Value', 'str')),
        (lambda x: 2j ** x, ('complex', 'Value')),
        (lambda x: x * True, ('Value', 'bool')),
    ],
    ids=['V+str', 'str+V', 'V*None', 'V-list', 'V/str', 'dict/V', 'V**str', 'complex**V', 'V*bool'],
)
def test_unsupported_operands_name_the_real_types(operation, type_names):
    with pytest.raises(TypeError) as error:
        operation(Value(2.0))
    for name in type_names:
        assert name in str(error.value)


# The floating-point policy (engine docstring): IEEE 754 results everywhere,
# never an exception. The expected values are IEEE's, written from the standard.
inf, nan = math.inf, math.nan


@pytest.mark.parametrize(
    'operation, expected',
    [
        (lambda: Value(0.0).log(), -inf),
        (lambda: Value(-2.5).log(), nan),
        (lambda: Value(0.0) ** -1, inf),
        (lambda: Value(-0.0) ** -1, -inf),     # odd integer exponent keeps the zero's sign
        (lambda: Value(-0.0) ** -2, inf),
        (lambda: Value(-2.0) ** 0.5, nan),
        (lambda: Value(7.0) / 0, inf),
        (lambda: Value(-7.0) / 0, -inf),
        (lambda: 1 / Value(0.0), inf),
        (lambda: 1 / Value(-0.0), -inf),
        (lambda: Value(0.0) / Value(0.0), nan),
        (lambda: Value(1000.0).exp(), inf),
        (lambda: Value(10.0) ** 400, inf),
        (lambda: Value(-10.0) ** 401, -inf),
        (lambda: Value(1e200) * 1e200, inf),
        (lambda: Value(-1.0).sqrt(), nan),
        (lambda: Value(math.inf).sin(), nan),
        (lambda: Value(-1.5) ** Value(2.0), 2.25),
        (lambda: (-2) ** Value(2.0), 4.0),
    ],
    ids=['log0', 'log-neg', '0**-1', '-0**-1', '-0**-2', 'neg**frac', 'V/0', '-V/0', '1/V0', '1/-V0', '0/0',
         'exp-overflow', 'pow-overflow', 'neg-pow-overflow', 'mul-overflow', 'sqrt-neg', 'sin-inf', 'neg**V', '-2**V'],
)
def test_out_of_domain_operations_give_the_ieee_result(operation, expected):
    result = operation().data
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected and math.copysign(1.0, result) == math.copysign(1.0, expected)


def test_gradients_at_poles_and_outside_the_domain_are_ieee_too():
    x = Value(0.0)
    x.log().backward()
    assert x.grad == inf                      # d log(x)/dx = 1/x at 0
    y = Value(-1.5)
    z = Value(2.0)
    (y ** z).backward()
    assert y.grad == -3.0 and math.isnan(z.grad)  # d/dz = log(y) * y**z: log of a negative
    w = Value(0.0)
    (3 / w).backward()
    assert w.grad == -inf                      # -3/w**2 at 0


def test_allowed_edge_cases_of_power():
    assert (Value(-2.0) ** 3).data == -8.0  # negative base, integer exponent
    assert (Value(-2.0) ** -2).data == 0.25
    assert (Value(0.0) ** 0).data == 1.0
    x = Value(0.0)
    (x**2).backward()
    assert x.grad == 0.0
    y = Value(0.0)
    (y**0.5).backward()
    assert y.grad == math.inf  # d sqrt(y)/dy at 0, as math says


@pytest.mark.parametrize('exponent', [0, -1, -1.5])
def test_power_gradient_of_a_tiny_base_does_not_raise(exponent):
    """d/dx x**c = c * x**(c-1) can exceed the float range even though x**c
    does not. Float arithmetic then gives an infinity (as 1/x does), and
    for c == 0 the slope is exactly 0 everywhere."""
    x = Value(1e-200)
    power = x**exponent
    power.backward()
    expected = 0.0 if exponent == 0 else -math.inf
    assert x.grad == expected

    reciprocal_input = Value(1e-200)
    (1 / reciprocal_input).backward()  # the same slope through division
    assert reciprocal_input.grad == -math.inf


@pytest.mark.parametrize('base', [1e-310, 1e-200])
def test_x_to_the_zero_has_zero_gradient_at_tiny_x(base):
    x = Value(base)
    (x**0).backward()
    assert x.grad == 0.0


def test_value_exponent_power_gradient_of_a_tiny_base_does_not_raise():
    x, y = Value(1e-200), Value(-1.0)
    (x**y).backward()
    assert x.grad == -math.inf
    assert close(y.grad, math.log(1e-200) * 1e200)


# --------------------------------------------------------------------------
# tanh and sigmoid are stable for every float


@pytest.mark.parametrize('x', [1000.0, -1000.0, 1e308, -1e308, 800.0, -800.0])
def test_tanh_and_sigmoid_never_overflow(x):
    t, s = Value(x), Value(x)
    tanh, sigmoid = t.tanh(), s.sigmoid()
    tanh.backward()
    sigmoid.backward()
    assert tanh.data == math.copysign(1.0, x)
    assert sigmoid.data == (1.0 if x > 0 else 0.0)
    assert t.grad == 0.0 and s.grad == 0.0


@settings(max_examples=150, deadline=None)
@given(x=st.floats(-1e308, 1e308))
def test_tanh_and_sigmoid_agree_with_high_precision_everywhere(x):
    with mpmath.workdps(50):
        exact_tanh = mpmath.tanh(x)
        exact_sigmoid = 1 / (1 + mpmath.exp(-x))
        tanh_slope = float(1 - exact_tanh**2)
        sigmoid_slope = float(exact_sigmoid * (1 - exact_sigmoid))
        exact_tanh, exact_sigmoid = float(exact_tanh), float(exact_sigmoid)

    t, s = Value(x), Value(x)
    tanh, sigmoid = t.tanh(), s.sigmoid()
    tanh.backward()
    sigmoid.backward()
    # Relative accuracy where the function is not saturated; near saturation
    # 1 - out**2 loses digits, an absolute error below 1e-15 is acceptable.
    assert math.isclose(tanh.data, exact_tanh, rel_tol=1e-14, abs_tol=1e-300)
    assert math.isclose(sigmoid.data, exact_sigmoid, rel_tol=1e-14, abs_tol=1e-300)
    assert math.isclose(t.grad, tanh_slope, rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(s.grad, sigmoid_slope, rel_tol=1e-9, abs_tol=1e-15)


def test_relu_gradient_at_the_kink_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0
    assert Value(-3.0).relu().data == 0.0


def test_float_and_round_read_a_values_data():
    v = Value(2.567, label='v')
    assert float(v) == 2.567 and type(float(v)) is float
    assert round(v, 2) == 2.57 and round(Value(2.5)) == 2 and round(Value(-3.7)) == -4
    assert f'{float(v):.1f}' == '2.6'


@pytest.mark.parametrize('result', [1j, None, '1.5', [1.0], (1.0,)], ids=repr)
def test_a_primitive_whose_forward_returns_no_real_number_is_an_error_naming_it(result):
    bad = autograd.primitive('bad', lambda x: result, lambda out, x: (1.0,))
    with pytest.raises(TypeError, match="primitive 'bad': forward returned"):
        bad(Value(1.0))
    with pytest.raises(TypeError, match="primitive 'bad'"):
        bad(1.0)


@pytest.mark.parametrize('local', [1j, None, 'one', [1.0]], ids=repr)
def test_a_primitive_whose_partials_are_no_real_numbers_is_an_error_naming_it(local):
    bad = autograd.primitive('bad', lambda x, y: x * y, lambda out, x, y: (local, x))
    a, b = Value(2.0), Value(3.0)
    out = bad(a, b)
    with pytest.raises(TypeError, match=r"primitive 'bad': partials returned .* as dbad/dx, not a real number"):
        out.backward()
    assert a.grad == 0.0  # nothing silently wrong was added
    with pytest.raises(ValueError, match='3 local derivatives for 2 operands'):
        autograd.primitive('long', lambda x, y: x * y, lambda out, x, y: (1.0, 2.0, 3.0))(a, b).backward()
