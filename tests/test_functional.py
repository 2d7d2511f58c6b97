"""grad (to any order), hessian, jvp and jacobian, checked against sympy.

The oracle for every derivative here is sympy's symbolic derivative of the
same formula, evaluated in floats; forward mode is checked against reverse
mode, and both against sympy, on functions hypothesis draws at random.
"""

import math
import pathlib
import re

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, hessian, jacobian, jvp, maximum, minimum, no_grad

X, Y, Z = sympy.symbols('x y z', real=True)
FEW = settings(max_examples=25, deadline=None)


def close(actual, expected, tol=1e-8):
    return math.isclose(actual, expected, rel_tol=tol, abs_tol=tol)


def sympy_derivatives(expression, symbols, orders):
    """{k: float function of the symbols} for the k-th derivative in the first symbol."""
    return {k: sympy.lambdify(symbols, sympy.diff(expression, symbols[0], k), 'math') for k in orders}


def derivatives_in_order(output, x, orders):
    """[d^k output / dx^k for k in 1..orders] by repeated grad(create_graph=True)."""
    results = []
    current = output
    for _ in range(orders):
        current, = grad(current, [x], create_graph=True)
        results.append(current.data)
    return results


# --------------------------------------------------------------------------
# Every one-input operation: first, second and third derivatives.

def away_from(point, low, high):
    """Floats in [point - high, point - low] or [point + low, point + high]: off a kink or a pole."""
    return st.tuples(st.floats(low, high), st.booleans()).map(
        lambda pair: point + pair[0] if pair[1] else point - pair[0])


ANYWHERE = st.floats(-3.0, 3.0)
POSITIVE = st.floats(0.1, 3.0)
OFF_ZERO = away_from(0.0, 0.2, 3.0)

# (name, engine function of a Value, the same formula in sympy, where to test it)
UNARY = [
    ('x + c', lambda x: x + 2.5, lambda x: x + 2.5, ANYWHERE),
    ('c + x', lambda x: 2.5 + x, lambda x: 2.5 + x, ANYWHERE),
    ('x - c', lambda x: x - 1.5, lambda x: x - 1.5, ANYWHERE),
    ('c - x', lambda x: 1.5 - x, lambda x: 1.5 - x, ANYWHERE),
    ('-x', lambda x: -x, lambda x: -x, ANYWHERE),
    ('x * c', lambda x: x * 3.0, lambda x: 3 * x, ANYWHERE),
    ('c * x', lambda x: -0.5 * x, lambda x: -x / 2, ANYWHERE),
    ('x / c', lambda x: x / 4.0, lambda x: x / 4, ANYWHERE),
    ('c / x', lambda x: 2.0 / x, lambda x: 2 / x, OFF_ZERO),
    ('x ** 0', lambda x: x ** 0, lambda x: x ** 0, ANYWHERE),
    ('x ** 1', lambda x: x ** 1, lambda x: x, ANYWHERE),
    ('x ** 2', lambda x: x ** 2, lambda x: x ** 2, ANYWHERE),
    ('x ** 3', lambda x: x ** 3, lambda x: x ** 3, ANYWHERE),
    ('x ** -1', lambda x: x ** -1, lambda x: 1 / x, OFF_ZERO),
    ('x ** -2', lambda x: x ** -2, lambda x: x ** -2, OFF_ZERO),
    ('x ** 0.5', lambda x: x ** 0.5, lambda x: sympy.sqrt(x), POSITIVE),
    ('x ** 2.5', lambda x: x ** 2.5, lambda x: x ** sympy.Rational(5, 2), POSITIVE),
    ('2 ** x', lambda x: 2.0 ** x, lambda x: 2 ** x, ANYWHERE),
    ('0.5 ** x', lambda x: 0.5 ** x, lambda x: sympy.Rational(1, 2) ** x, ANYWHERE),
    ('exp', lambda x: x.exp(), sympy.exp, ANYWHERE),
    ('log', lambda x: x.log(), sympy.log, POSITIVE),
    ('tanh', lambda x: x.tanh(), sympy.tanh, ANYWHERE),
    ('sigmoid', lambda x: x.sigmoid(), lambda x: 1 / (1 + sympy.exp(-x)), ANYWHERE),
    ('relu', lambda x: x.relu(), lambda x: sympy.Piecewise((0, x < 0), (x, True)), OFF_ZERO),
    ('sin', lambda x: x.sin(), sympy.sin, ANYWHERE),
    ('cos', lambda x: x.cos(), sympy.cos, ANYWHERE),
    ('sqrt', lambda x: x.sqrt(), sympy.sqrt, POSITIVE),
    ('abs', lambda x: abs(x), lambda x: sympy.Piecewise((-x, x < 0), (x, True)), OFF_ZERO),
    ('leaky_relu', lambda x: x.leaky_relu(0.2), lambda x: sympy.Piecewise((x / 5, x < 0), (x, True)), OFF_ZERO),
    ('softplus', lambda x: x.softplus(), lambda x: sympy.log(1 + sympy.exp(x)), ANYWHERE),
    ('atan', lambda x: x.atan(), sympy.atan, ANYWHERE),
    ('clamp', lambda x: x.clamp(-1.0, 1.0), lambda x: sympy.Piecewise((-1, x < -1), (1, x > 1), (x, True)),
     st.one_of(st.floats(-3.0, -1.2), st.floats(-0.8, 0.8), st.floats(1.2, 3.0))),
    ('max(x, 0.5)', lambda x: maximum(x, 0.5), lambda x: sympy.Piecewise((x, x > 0.5), (0.5, True)),
     away_from(0.5, 0.2, 3.0)),
    ('min(1, x, 2)', lambda x: minimum(1.0, x, 2.0), lambda x: sympy.Piecewise((x, x < 1), (1, True)),
     away_from(1.0, 0.2, 3.0)),
    ('-a**3 + sin(3*a) - 1/a + a**2.5 - a**0.5', lambda x: -x ** 3 + (3 * x).sin() - 1.0 / x + x ** 2.5 - x ** 0.5,
     lambda x: -x ** 3 + sympy.sin(3 * x) - 1 / x + x ** sympy.Rational(5, 2) - sympy.sqrt(x), POSITIVE),
    # The same Value used twice by one operation: two edges into one node.
    ('x + x', lambda x: x + x, lambda x: 2 * x, ANYWHERE),
    ('x * x', lambda x: x * x, lambda x: x ** 2, ANYWHERE),
    ('x / x', lambda x: x / x, lambda x: sympy.Integer(1), OFF_ZERO),
    ('x ** x', lambda x: x ** x, lambda x: x ** x, POSITIVE),
    ('x - x', lambda x: x - x, lambda x: sympy.Integer(0), ANYWHERE),
]


@pytest.mark.parametrize('name, engine_function, sympy_function, points', UNARY,
                         ids=[row[0] for row in UNARY])
def test_first_second_third_derivatives_of_every_op_match_sympy(name, engine_function,
                                                                 sympy_function, points):
    expected = sympy_derivatives(sympy_function(X), [X], (1, 2, 3))

    @FEW
    @given(points)
    def check(point):
        x = Value(point)
        got = derivatives_in_order(engine_function(x), x, 3)
        for order, value in zip((1, 2, 3), got):
            assert close(value, expected[order](point)), (name, point, order, value)

    check()


# Two-input operations: all second and third partial derivatives.
BINARY = [
    ('x + y', lambda x, y: x + y, lambda x, y: x + y, ANYWHERE, ANYWHERE),
    ('x - y', lambda x, y: x - y, lambda x, y: x - y, ANYWHERE, ANYWHERE),
    ('x * y', lambda x, y: x * y, lambda x, y: x * y, ANYWHERE, ANYWHERE),
    ('x / y', lambda x, y: x / y, lambda x, y: x / y, ANYWHERE, OFF_ZERO),
    ('atan2(x, y)', lambda x, y: x.atan2(y), sympy.atan2, OFF_ZERO, OFF_ZERO),
    ('x ** y', lambda x, y: x ** y, lambda x, y: x ** y, POSITIVE, ANYWHERE),
    ('(x * y) ** y', lambda x, y: (x * y) ** y, lambda x, y: (x * y) ** y, POSITIVE, POSITIVE),
    ('sin(x) * sqrt(y)', lambda x, y: x.sin() * y.sqrt(), lambda x, y: sympy.sin(x) * sympy.sqrt(y),
     ANYWHERE, POSITIVE),
    ('cos(x * y) + softplus(x - y)', lambda x, y: (x * y).cos() + (x - y).softplus(),
     lambda x, y: sympy.cos(x * y) + sympy.log(1 + sympy.exp(x - y)), ANYWHERE, ANYWHERE),
]


@pytest.mark.parametrize('name, engine_function, sympy_function, x_points, y_points', BINARY,
                         ids=[row[0] for row in BINARY])
def test_mixed_second_and_third_derivatives_of_binary_ops_match_sympy(
        name, engine_function, sympy_function, x_points, y_points):
    symbols = [X, Y]
    expression = sympy_function(X, Y)
    second = [[sympy.lambdify(symbols, sympy.diff(expression, a, b), 'math') for b in symbols]
              for a in symbols]
    third = [[[sympy.lambdify(symbols, sympy.diff(expression, a, b, c), 'math') for c in symbols]
              for b in symbols] for a in symbols]

    @FEW
    @given(x_points, y_points)
    def check(x_point, y_point):
        x, y = Value(x_point), Value(y_point)
        first = grad(engine_function(x, y), [x, y], create_graph=True)
        for i, first_i in enumerate(first):
            row = grad(first_i, [x, y], create_graph=True)
            for j, second_ij in enumerate(row):
                assert close(second_ij.data, second[i][j](x_point, y_point)), (name, i, j)
                for k, third_ijk in enumerate(grad(second_ij, [x, y])):
                    assert close(third_ijk, third[i][j][k](x_point, y_point)), (name, i, j, k)

    check()


def test_grad_goes_to_any_order():
    # d^n/dx^n exp(2x) = 2**n exp(2x); d^5/dx^5 x**5 = 120, then 0.
    x = Value(0.3)
    derivatives = derivatives_in_order((2 * x).exp(), x, 6)
    for n, value in enumerate(derivatives, 1):
        assert close(value, 2 ** n * math.exp(0.6))
    assert derivatives_in_order(x ** 5, x, 6)[4:] == [120.0, 0.0]


def test_issue_example():
    x = Value(2.0)
    dx, = grad(x ** 3, [x], create_graph=True)
    assert dx.data == 3 * x.data ** 2
    assert grad(dx, [x]) == [6 * x.data]


def test_third_derivative_of_a_square_at_zero():
    # x**2 -> 2 x**1 -> 2 x**0: the next derivative must be 0, not 0 * 0**-1.
    x = Value(0.0)
    assert derivatives_in_order(x ** 2, x, 4) == [0.0, 2.0, 0.0, 0.0]


def test_relu_second_derivative_is_zero_but_first_is_a_step():
    for point, slope in ((1.5, 1.0), (-1.5, 0.0)):
        x = Value(point)
        assert derivatives_in_order((x * 3.0).relu(), x, 2) == [3.0 * slope, 0.0]


# --------------------------------------------------------------------------
# grad: its contract


def test_grad_leaves_every_dot_grad_alone():
    x, y = Value(1.5), Value(-2.0)
    x.grad = 7.0
    hidden = (x * y).tanh()
    out = hidden * x + y.exp()
    grad(out, [x, y])
    grad(out, [x, y], create_graph=True)
    assert x.grad == 7.0 and y.grad == 0.0 and hidden.grad == 0.0 and out.grad == 0.0


def test_grad_matches_backward_on_a_graph_with_reuse():
    x, y = Value(0.7), Value(-1.3)
    out = (x + x) * x + (x * y).sigmoid() * y + x / y
    plain = grad(out, [x, y])
    as_values = grad(out, [x, y], create_graph=True)
    out.backward()
    assert close(plain[0], x.grad, 1e-12) and close(plain[1], y.grad, 1e-12)
    assert close(as_values[0].data, x.grad, 1e-12) and close(as_values[1].data, y.grad, 1e-12)


def test_inputs_the_output_does_not_depend_on_get_zero():
    x, unrelated = Value(2.0), Value(5.0)
    out = x * 3.0
    assert grad(out, [unrelated, x]) == [0.0, 3.0]
    zero, three = grad(out, [unrelated, x], create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0 and three.data == 3.0
    assert grad(zero, [x]) == [0.0]


def test_gradient_of_a_leaf_with_respect_to_itself_is_one():
    x = Value(2.0)
    assert grad(x, [x]) == [1.0]
    assert grad(x, [x, x]) == [1.0, 1.0]


def test_gradient_with_respect_to_an_interior_node():
    x = Value(0.5)
    hidden = x * 2.0
    out = hidden.tanh()
    expected = 1.0 - math.tanh(1.0) ** 2
    assert close(grad(out, [hidden])[0], expected, 1e-12)
    assert close(grad(out, [x])[0], 2.0 * expected, 1e-12)


def test_grad_rejects_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match='output must be a Value'):
        grad(3.0, [x])
    with pytest.raises(TypeError, match='jacobian'):
        grad([x * 2, x * 3], [x])
    with pytest.raises(TypeError, match=r'write \[x\]'):
        grad(x * 2, x)
    with pytest.raises(TypeError, match=r'inputs\[1\] must be a Value'):
        grad(x * 2, [x, 1.0])
    with pytest.raises(TypeError, match='must be a list'):
        grad(x * 2, 'x')
    with no_grad(), pytest.raises(RuntimeError, match='no_grad'):
        grad(x * 2, [x], create_graph=True)


# --------------------------------------------------------------------------
# hessian


HESSIAN_CASES = [
    ('rosenbrock', lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
     lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2, [ANYWHERE, ANYWHERE]),
    ('xyz + exp(xy) - log z', lambda x, y, z: x * y * z + (x * y).exp() - z.log(),
     lambda x, y, z: x * y * z + sympy.exp(x * y) - sympy.log(z), [ANYWHERE, ANYWHERE, POSITIVE]),
    ('log-sum-exp', lambda x, y, z: (x.exp() + y.exp() + z.exp()).log(),
     lambda x, y, z: sympy.log(sympy.exp(x) + sympy.exp(y) + sympy.exp(z)), [ANYWHERE] * 3),
    ('neuron', lambda x, y, z: (0.5 * x - y * z + 0.1).tanh() * (x - z).sigmoid() + x ** y,
     lambda x, y, z: sympy.tanh(x / 2 - y * z + sympy.Rational(1, 10)) / (1 + sympy.exp(z - x)) + x ** y,
     [POSITIVE, ANYWHERE, ANYWHERE]),
    ('ratios', lambda x, y, z: (x / y + y / z) ** 2 + 3.0 / (x * x + 1),
     lambda x, y, z: (x / y + y / z) ** 2 + 3 / (x ** 2 + 1), [ANYWHERE, OFF_ZERO, OFF_ZERO]),
]


@pytest.mark.parametrize('name, engine_function, sympy_function, points', HESSIAN_CASES,
                         ids=[row[0] for row in HESSIAN_CASES])
def test_hessian_matches_sympy(name, engine_function, sympy_function, points):
    symbols = [X, Y, Z][:len(points)]
    expression = sympy_function(*symbols)
    expected = [[sympy.lambdify(symbols, sympy.diff(expression, a, b), 'math') for b in symbols]
                for a in symbols]

    @settings(max_examples=15, deadline=None)
    @given(st.tuples(*points))
    def check(point):
        matrix = hessian(engine_function, list(point))
        assert len(matrix) == len(symbols) and all(len(row) == len(symbols) for row in matrix)
        for i, row in enumerate(matrix):
            for j, entry in enumerate(row):
                assert close(entry, expected[i][j](*point), 1e-7), (name, point, i, j, entry)

    check()


def test_hessian_by_hand():
    # f = x**2 y + y**3: H = [[2y, 2x], [2x, 6y]]
    assert hessian(lambda x, y: x ** 2 * y + y ** 3, [1.0, 2.0]) == [[4.0, 2.0], [2.0, 12.0]]
    assert hessian(lambda x: 4.0, [1.0]) == [[0.0]]


def test_hessian_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r'inputs\[0\] must be a number'):
        hessian(lambda x: x * x, ['1'])
    with pytest.raises(TypeError, match='scalar Value'):
        hessian(lambda x: [x, x], [1.0])
    with pytest.raises(TypeError, match='must be a function'):
        hessian(3, [1.0])
    with no_grad(), pytest.raises(RuntimeError, match='no_grad'):
        hessian(lambda x: x * x, [1.0])


# --------------------------------------------------------------------------
# Random functions, for comparing the modes

# Operations that stay finite and in their domain for any finite input.
UNARY_STEPS = [
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: a.tanh().exp(),
    lambda a: a.relu(),
    lambda a: (a * a + 1.0).log(),
    lambda a: 0.5 * a - 1.0,
    lambda a: a.tanh() ** 3,
    lambda a: 2.0 / (a * a + 1.0),
]
BINARY_STEPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: (a * b).tanh(),
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a.sigmoid() + 1.0) ** b.tanh(),
    lambda a, b: a * b.sigmoid(),
    lambda a, b: a.sin() * b.cos(),
    lambda a, b: (a * a + b * b + 0.5).sqrt(),
    lambda a, b: maximum(a, b, -0.25) + minimum(a.softplus(), b),
]


@st.composite
def random_programs(draw, max_inputs=4, max_steps=10):
    """(number of inputs, steps, point, tangent): a random straight-line program."""
    inputs = draw(st.integers(1, max_inputs))
    steps = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100),
                                    st.integers(0, 100)), min_size=1, max_size=max_steps))
    point = draw(st.lists(st.floats(-2.0, 2.0), min_size=inputs, max_size=inputs))
    tangent = draw(st.lists(st.floats(-2.0, 2.0), min_size=inputs, max_size=inputs))
    return inputs, steps, point, tangent


def run_program(steps, inputs):
    """Every value the program computes, inputs first; any of them may be reused."""
    pool = list(inputs)
    for binary, op, first, second in steps:
        a, b = pool[first % len(pool)], pool[second % len(pool)]
        if binary:
            pool.append(BINARY_STEPS[op % len(BINARY_STEPS)](a, b))
        else:
            pool.append(UNARY_STEPS[op % len(UNARY_STEPS)](a))
    return pool


@settings(max_examples=60, deadline=None)
@given(random_programs())
def test_jvp_equals_reverse_gradient_dotted_with_tangent(program):
    _, steps, point, tangent = program
    value, derivative = jvp(lambda *xs: run_program(steps, xs)[-1], point, tangent)
    leaves = [Value(p) for p in point]
    out = run_program(steps, leaves)[-1]
    gradient = grad(out, leaves)
    assert value == out.data
    dot = math.fsum(g * t for g, t in zip(gradient, tangent))
    scale = math.fsum(abs(g * t) for g, t in zip(gradient, tangent))
    assert abs(derivative - dot) <= 1e-9 * (1.0 + scale)


@settings(max_examples=40, deadline=None)
@given(random_programs(), st.integers(1, 4))
def test_both_jacobian_modes_agree(program, outputs):
    _, steps, point, _ = program

    def f(*xs):
        return run_program(steps, xs)[-outputs:]

    reverse = jacobian(f, point, mode='reverse')
    forward = jacobian(f, point, mode='forward')
    assert len(reverse) == len(forward) == len(f(*[Value(p) for p in point]))
    for reverse_row, forward_row in zip(reverse, forward):
        assert len(reverse_row) == len(forward_row) == len(point)
        for r, f_ in zip(reverse_row, forward_row):
            assert math.isclose(r, f_, rel_tol=1e-9, abs_tol=1e-12)


def polar_to_cartesian_and_more(r, theta, s):
    """A vector function with a known Jacobian: (r cos-like, r * theta**2 * s, exp(s) / r, constant)."""
    return [r * theta.tanh(), r * theta ** 2 * s, s.exp() / r, 7.0]


def test_jacobian_and_jvp_match_sympy():
    r, theta, s = sympy.symbols('r theta s', real=True)
    expressions = [r * sympy.tanh(theta), r * theta ** 2 * s, sympy.exp(s) / r, sympy.Integer(7)]
    point = [1.5, -0.4, 0.8]
    tangent = [0.3, -1.0, 2.0]
    at = dict(zip((r, theta, s), point))
    expected = [[float(sympy.diff(e, v).subs(at)) for v in (r, theta, s)] for e in expressions]
    for mode in ('reverse', 'forward'):
        matrix = jacobian(polar_to_cartesian_and_more, point, mode=mode)
        for row, expected_row in zip(matrix, expected):
            for got, want in zip(row, expected_row):
                assert close(got, want, 1e-12), (mode, got, want)
    values, derivatives = jvp(polar_to_cartesian_and_more, point, tangent)
    assert values[3] == 7.0 and derivatives[3] == 0.0
    for e, value, derivative, expected_row in zip(expressions, values, derivatives, expected):
        assert close(value, float(e.subs(at)), 1e-12)
        assert close(derivative, math.fsum(j * t for j, t in zip(expected_row, tangent)), 1e-12)


def test_jvp_of_a_scalar_function_returns_floats():
    assert jvp(lambda x, y: x * y, [3.0, 4.0], [1.0, 0.0]) == (12.0, 4.0)
    assert jvp(lambda x, y: x * y, [3, 4], [0, 1]) == (12.0, 3.0)
    assert jvp(lambda x: x, [3.0], [2.0]) == (3.0, 2.0)
    assert jvp(lambda x: 5.0, [3.0], [2.0]) == (5.0, 0.0)
    # A leaf f never touches another is a constant: tangent 0 for it.
    assert jvp(lambda x, y: x * 2.0, [3.0, 4.0], [1.0, 1.0]) == (6.0, 2.0)


def test_jacobian_of_a_scalar_function_is_one_row():
    assert jacobian(lambda x, y: x * y, [3.0, 4.0]) == [[4.0, 3.0]]
    assert jacobian(lambda x, y: x * y, [3.0, 4.0], mode='forward') == [[4.0, 3.0]]


def test_forward_mode_rejects_bad_arguments():
    with pytest.raises(ValueError, match='2 tangents for 1 primals'):
        jvp(lambda x: x, [1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match=r'tangents\[0\] must be a number'):
        jvp(lambda x: x, [1.0], [None])
    with pytest.raises(TypeError, match='primals must be a list'):
        jvp(lambda x: x, 1.0, [1.0])
    with pytest.raises(TypeError, match='must return a Value or a list'):
        jvp(lambda x: 'x', [1.0], [1.0])
    with pytest.raises(TypeError, match='item 1 is not a Value'):
        jacobian(lambda x: [x, 'x'], [1.0])
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward'"):
        jacobian(lambda x: x, [1.0], mode='sideways')
    with no_grad(), pytest.raises(RuntimeError, match='no_grad'):
        jvp(lambda x: x * x, [1.0], [1.0])


# --------------------------------------------------------------------------
# docs/newton.md: its programs still print what the page shows


def test_newton_examples_in_the_docs_print_what_the_page_shows(capsys):
    page = pathlib.Path(__file__).resolve().parent.parent / 'docs' / 'newton.md'
    examples = re.findall(r'```python\n(.*?)```\n\nOutput[^\n]*\n\n```\n(.*?)```', page.read_text(), re.S)
    assert len(examples) == 2
    for code, shown in examples:
        exec(code, {})
        assert capsys.readouterr().out == shown
    # And they found what they claim: f'(x) = 4x**3 - 6x + 1 = 0, and (1, 1).
    last_x = float(examples[0][1].splitlines()[-1].split()[4])
    assert abs(4 * last_x ** 3 - 6 * last_x + 1) < 1e-12
    assert '(+1.0000000000, +1.0000000000)' in examples[1][1].splitlines()[-1]
