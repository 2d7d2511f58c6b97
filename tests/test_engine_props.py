"""Every operation against an independent oracle: sympy's symbolic derivatives.

One table, one line per operation: `(name, engine_fn, sympy_fn, domains)`.
The engine function gets `Value`s, the sympy function gets symbols; both
compute the same expression. Sympy differentiates its expression
symbolically and mpmath evaluates it at 40 significant digits, so the oracle
shares no code and no rounding with the engine.

Inputs are bounded floats kept off kinks and out of forbidden domains
(relu away from 0, log and fractional powers on positive numbers, divisors
away from 0) rather than skipped.
"""

import math
from typing import Callable, NamedTuple

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, maximum, minimum
from autograd.engine import local_derivatives

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None)

# Input domains.
anywhere = st.floats(-4.0, 4.0)
small = st.floats(-3.0, 3.0)
positive = st.floats(0.1, 4.0)
off_zero = st.one_of(st.floats(-4.0, -0.1), st.floats(0.1, 4.0))
# Two grids that never meet (tenths plus 0.01, tenths plus 0.02), and never
# hit 0.5: max and min then have no ties, where sympy and the engine differ
# by convention (sympy splits a tie's gradient, the engine gives it to the first).
grid_a = st.floats(-4.0, 4.0).map(lambda v: round(v, 1) + 0.01)
grid_b = st.floats(-4.0, 4.0).map(lambda v: round(v, 1) + 0.02)
off_clamp_bounds = st.floats(-4.0, 4.0).filter(lambda v: v not in (-1.0, 2.0))


def sympy_sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


def sympy_relu(x):
    return sympy.Piecewise((x, x > 0), (0, True))


def sympy_leaky_relu(x, slope):
    return sympy.Piecewise((x, x > 0), (slope * x, True))


# max, min and |x| as Piecewise: sympy differentiates each piece, where its
# Max, Min and Abs would bring DiracDelta and sign terms that mpmath cannot evaluate.
def sympy_abs(x):
    return sympy.Piecewise((x, x > 0), (-x, True))


def sympy_max(*args):
    first, rest = args[0], args[1:]
    if not rest:
        return first
    others = sympy_max(*rest)
    return sympy.Piecewise((first, first >= others), (others, True))


def sympy_min(*args):
    return -sympy_max(*[-a for a in args])


def sympy_softplus(x):
    return sympy.log(1 + sympy.exp(x))


class Case(NamedTuple):
    name: str
    engine: Callable
    oracle: Callable
    domains: tuple
    primitive: bool = False  # one node whose parents are the inputs, in order


# Constants are exact in binary (2, 3, 0.5, 2.5, ...), so the float the engine
# holds and the rational sympy holds are the same number.
CASES = [
    # + and -, constants on either side
    Case('x + y', lambda x, y: x + y, lambda x, y: x + y, (anywhere, anywhere), True),
    Case('x + 2.5', lambda x: x + 2.5, lambda x: x + sympy.Rational(5, 2), (anywhere,), True),
    Case('2.5 + x', lambda x: 2.5 + x, lambda x: sympy.Rational(5, 2) + x, (anywhere,), True),
    Case('x - y', lambda x, y: x - y, lambda x, y: x - y, (anywhere, anywhere)),
    Case('x - 1.5', lambda x: x - 1.5, lambda x: x - sympy.Rational(3, 2), (anywhere,), True),
    Case('1 - x', lambda x: 1 - x, lambda x: 1 - x, (anywhere,)),
    Case('-x', lambda x: -x, lambda x: -x, (anywhere,), True),
    # *
    Case('x * y', lambda x, y: x * y, lambda x, y: x * y, (anywhere, anywhere), True),
    Case('2 * x', lambda x: 2 * x, lambda x: 2 * x, (anywhere,), True),
    Case('x * 2', lambda x: x * 2, lambda x: x * 2, (anywhere,), True),
    # /
    Case('x / y', lambda x, y: x / y, lambda x, y: x / y, (anywhere, off_zero), True),
    Case('x / 3', lambda x: x / 3, lambda x: x / 3, (anywhere,), True),
    Case('3 / x', lambda x: 3 / x, lambda x: 3 / x, (off_zero,), True),
    # **
    Case('x ** 3', lambda x: x**3, lambda x: x**3, (anywhere,), True),
    Case('x ** 2', lambda x: x**2, lambda x: x**2, (anywhere,), True),
    Case('x ** 0', lambda x: x**0, lambda x: sympy.Integer(1), (off_zero,), True),  # tiny x: see test_engine
    Case('x ** -2', lambda x: x**-2, lambda x: x**-2, (off_zero,), True),
    Case('x ** 0.5', lambda x: x**0.5, lambda x: sympy.sqrt(x), (positive,), True),
    Case('x ** 2.5', lambda x: x**2.5, lambda x: x ** sympy.Rational(5, 2), (positive,), True),
    Case('2 ** x', lambda x: 2**x, lambda x: 2**x, (small,), True),
    Case('0.5 ** x', lambda x: 0.5**x, lambda x: sympy.Rational(1, 2) ** x, (small,), True),
    Case('x ** y', lambda x, y: x**y, lambda x, y: x**y, (positive, small), True),
    # functions
    Case('exp(x)', lambda x: x.exp(), sympy.exp, (anywhere,), True),
    Case('log(x)', lambda x: x.log(), sympy.log, (positive,), True),
    Case('tanh(x)', lambda x: x.tanh(), sympy.tanh, (anywhere,), True),
    Case('sigmoid(x)', lambda x: x.sigmoid(), sympy_sigmoid, (anywhere,), True),
    Case('relu(x)', lambda x: x.relu(), sympy_relu, (off_zero,), True),
    Case('sin(x)', lambda x: x.sin(), sympy.sin, (anywhere,), True),
    Case('cos(x)', lambda x: x.cos(), sympy.cos, (anywhere,), True),
    Case('sqrt(x)', lambda x: x.sqrt(), sympy.sqrt, (positive,), True),
    Case('abs(x)', lambda x: abs(x), sympy_abs, (off_zero,), True),
    Case('leaky_relu(x)', lambda x: x.leaky_relu(), lambda x: sympy_leaky_relu(x, sympy.Rational(1, 100)),
         (off_zero,), True),
    Case('leaky_relu(x, 0.25)', lambda x: x.leaky_relu(0.25), lambda x: sympy_leaky_relu(x, sympy.Rational(1, 4)),
         (off_zero,), True),
    Case('softplus(x)', lambda x: x.softplus(), sympy_softplus, (anywhere,), True),
    Case('atan(x)', lambda x: x.atan(), sympy.atan, (anywhere,), True),
    Case('atan2(y, x)', lambda y, x: y.atan2(x), sympy.atan2, (off_zero, off_zero), True),  # off the cut y = 0
    Case('maximum(x, y)', lambda x, y: maximum(x, y), sympy_max, (grid_a, grid_b), True),
    Case('minimum(x, y)', lambda x, y: minimum(x, y), sympy_min, (grid_a, grid_b), True),
    Case('maximum(x, 0.5, y)', lambda x, y: maximum(x, 0.5, y), lambda x, y: sympy_max(x, sympy.Rational(1, 2), y),
         (grid_a, grid_b), True),
    Case('clamp(x, -1, 2)', lambda x: x.clamp(-1.0, 2.0), lambda x: sympy_min(sympy_max(x, sympy.Integer(-1)), sympy.Integer(2)),
         (off_clamp_bounds,)),
    # reuse of a node, fan-out, fan-in
    Case('x + x', lambda x: x + x, lambda x: x + x, (anywhere,)),
    Case('x * x', lambda x: x * x, lambda x: x * x, (anywhere,)),
    Case('(x + x) * x', lambda x: (x + x) * x, lambda x: (x + x) * x, (anywhere,)),
    Case('x / x', lambda x: x / x, lambda x: sympy.Integer(1), (off_zero,)),
    Case('x ** x', lambda x: x**x, lambda x: x**x, (positive,)),
    Case(
        'x*y + exp(x) - y/(1 + x*x)',
        lambda x, y: x * y + x.exp() - y / (1 + x * x),
        lambda x, y: x * y + sympy.exp(x) - y / (1 + x * x),
        (anywhere, anywhere),
    ),
    Case(
        'tanh(x*y + x) * sigmoid(y - x)',
        lambda x, y: (x * y + x).tanh() * (y - x).sigmoid(),
        lambda x, y: sympy.tanh(x * y + x) * sympy_sigmoid(y - x),
        (anywhere, anywhere),
    ),
    Case(
        'log(x*x + y*y + 1) * relu(x)',
        lambda x, y: (x * x + y * y + 1).log() * x.relu(),
        lambda x, y: sympy.log(x * x + y * y + 1) * sympy_relu(x),
        (off_zero, anywhere),
    ),
    Case(
        'relu(x) + relu(-x)',  # |x|
        lambda x: x.relu() + (-x).relu(),
        lambda x: sympy_relu(x) + sympy_relu(-x),
        (off_zero,),
    ),
    Case(
        '(2 ** x) * (x ** 2) / (1 + y ** 2) - 3 / (y * y + 1)',
        lambda x, y: (2**x) * (x**2) / (1 + y**2) - 3 / (y * y + 1),
        lambda x, y: (2**x) * (x**2) / (1 + y**2) - 3 / (y * y + 1),
        (small, anywhere),
    ),
    Case(
        'x ** y * y ** x',
        lambda x, y: x**y * y**x,
        lambda x, y: x**y * y**x,
        (positive, positive),
    ),
    Case(
        'sum of 5 terms in x',
        lambda x: sum([x, x * 2, x.tanh(), x.sigmoid(), -x]),
        lambda x: x + 2 * x + sympy.tanh(x) + sympy_sigmoid(x) - x,
        (anywhere,),
    ),
]

_oracles = {}


def sympy_oracle(case):
    """(value, [d/dx_i], [[d2/dx_i dx_j]]) as an mpmath function, built once per case."""
    if case.name not in _oracles:
        symbols = sympy.symbols(f'x0:{len(case.domains)}', real=True)
        expression = case.oracle(*symbols)
        first = [sympy.diff(expression, s) for s in symbols]
        second = [[sympy.diff(d, s) for s in symbols] for d in first]
        _oracles[case.name] = sympy.lambdify(symbols, [expression, first, second], modules='mpmath')
    return _oracles[case.name]


def evaluate_oracle(case, inputs):
    with mpmath.workdps(40):
        value, first, second = sympy_oracle(case)(*[mpmath.mpf(x) for x in inputs])
        return float(value), [float(d) for d in first], [[float(d) for d in row] for row in second]


def draw_inputs(data, case):
    return [data.draw(domain, label=f'x{i}') for i, domain in enumerate(case.domains)]


def close(actual, expected, rel=1e-9, abs_tol=1e-10):
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol)


@pytest.mark.parametrize('case', CASES, ids=[case.name for case in CASES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_value_and_gradient_match_sympy(case, data):
    inputs = draw_inputs(data, case)
    leaves = [Value(x) for x in inputs]
    out = case.engine(*leaves)
    out.backward()

    value, gradient, _ = evaluate_oracle(case, inputs)
    assert close(out.data, value), f'{case.name} at {inputs}: {out.data} != {value}'
    for i, (leaf, expected) in enumerate(zip(leaves, gradient)):
        assert close(leaf.grad, expected), f'd({case.name})/dx{i} at {inputs}: {leaf.grad} != {expected}'


@pytest.mark.parametrize('case', CASES, ids=[case.name for case in CASES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_gradient_passes_gradcheck(case, data):
    inputs = draw_inputs(data, case)
    report = gradcheck(case.engine, inputs)
    assert report.ok, repr(report)


PRIMITIVES = [case for case in CASES if case.primitive]


@pytest.mark.parametrize('case', PRIMITIVES, ids=[case.name for case in PRIMITIVES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_rule_partials_in_floats_match_sympy(case, data):
    inputs = draw_inputs(data, case)
    leaves = [Value(x) for x in inputs]
    out = case.engine(*leaves)
    assert list(out._prev) == leaves, 'a primitive case is one node whose parents are its inputs'

    partials = local_derivatives(out)  # the rule's partials, evaluated in floats
    _, gradient, _ = evaluate_oracle(case, inputs)
    assert len(partials) == len(out._prev)
    for i, (partial, expected) in enumerate(zip(partials, gradient)):
        assert isinstance(partial, float), f'{case.name}: float partial {i} is {partial!r}'
        assert close(partial, expected), f'{case.name} partial {i} at {inputs}: {partial} != {expected}'


@pytest.mark.parametrize('case', PRIMITIVES, ids=[case.name for case in PRIMITIVES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_rule_partials_as_values_give_second_derivatives(case, data):
    """Partials computed on Values are differentiable: their gradients are
    the second derivatives d2 out / (d parent_i d input_j)."""
    inputs = draw_inputs(data, case)
    leaves = [Value(x) for x in inputs]
    out = case.engine(*leaves)
    partials = local_derivatives(out, as_values=True)
    _, gradient, hessian = evaluate_oracle(case, inputs)

    assert len(partials) == len(leaves)
    for i, partial in enumerate(partials):
        if isinstance(partial, Value):
            first = partial.data
            for leaf in leaves:
                leaf.grad = 0.0
            partial.backward()
            second = [leaf.grad for leaf in leaves]
        else:  # a constant partial: its derivatives are zero
            first, second = partial, [0.0] * len(leaves)
        assert close(first, gradient[i]), f'{case.name} partial {i}: {first} != {gradient[i]}'
        for j, expected in enumerate(hessian[i]):
            assert close(second[j], expected, rel=1e-8, abs_tol=1e-9), (
                f'd2({case.name})/dx{i}dx{j} at {inputs}: {second[j]} != {expected}'
            )


# --------------------------------------------------------------------------
# Random expression graphs, built twice in lockstep: once from Values, once
# from sympy symbols. Nodes are reused at random, so fan-out, fan-in and
# repeated operands (x * x, a + a) all occur.

BUILDERS = {
    # name: (engine, sympy); magnitudes stay bounded (tanh/sigmoid factors),
    # so no overflow however the operations are chained.
    'add': (lambda a, b: a + b, lambda a, b: a + b),
    'sub': (lambda a, b: a - b, lambda a, b: a - b),
    'mul_tanh': (lambda a, b: a * b.tanh(), lambda a, b: a * sympy.tanh(b)),
    'sigmoid_mul': (lambda a, b: a.sigmoid() * b, lambda a, b: sympy_sigmoid(a) * b),
    'div': (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
    'scale': (lambda a, b: 2.5 * a - 1, lambda a, b: sympy.Rational(5, 2) * a - 1),
    'square': (lambda a, b: a * a, lambda a, b: a * a),
}


@st.composite
def random_graph_recipes(draw):
    n_inputs = draw(st.integers(1, 3))
    inputs = draw(st.lists(st.floats(-2.0, 2.0), min_size=n_inputs, max_size=n_inputs))
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(BUILDERS)), st.integers(0, 10**6), st.integers(0, 10**6)),
            min_size=1,
            max_size=10,
        )
    )
    return inputs, steps


def build_in_lockstep(inputs, steps):
    symbols = sympy.symbols(f'x0:{len(inputs)}', real=True)
    leaves = [Value(x) for x in inputs]
    engine_nodes, sympy_nodes = list(leaves), list(symbols)
    for name, i, j in steps:
        engine_op, sympy_op = BUILDERS[name]
        i, j = i % len(engine_nodes), j % len(engine_nodes)  # any earlier node, possibly the same one
        engine_nodes.append(engine_op(engine_nodes[i], engine_nodes[j]))
        sympy_nodes.append(sympy_op(sympy_nodes[i], sympy_nodes[j]))
    # Fan-in: the root sums every node, so every path is live.
    return leaves, sum(engine_nodes[1:], engine_nodes[0]), symbols, sympy.Add(*sympy_nodes)


@settings(max_examples=40, deadline=None)
@given(recipe=random_graph_recipes())
def test_random_graph_gradients_match_sympy(recipe):
    inputs, steps = recipe
    leaves, root, symbols, expression = build_in_lockstep(inputs, steps)
    root.backward()
    at = {s: x for s, x in zip(symbols, inputs)}
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in inputs]
        value = float(sympy.lambdify(symbols, expression, modules='mpmath')(*point))
        assert math.isclose(root.data, value, rel_tol=1e-9, abs_tol=1e-9), (steps, at)
        for leaf, symbol in zip(leaves, symbols):
            derivative = sympy.lambdify(symbols, sympy.diff(expression, symbol), modules='mpmath')
            expected = float(derivative(*point))
            assert math.isclose(leaf.grad, expected, rel_tol=1e-8, abs_tol=1e-8), (steps, at, symbol)
