"""explain: the paths from x to root, their products, and their sum (= x.grad)."""

import doctest
import importlib
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, explain


def test_docstring_examples_run():
    # By module name: the package attribute `autograd.explain` is the function.
    for name in ('autograd.explain', 'autograd.functional'):
        module = importlib.import_module(name)
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, name


def test_a_plus_a_is_two_paths():
    a = Value(2.0, label='a')
    explanation = explain(a + a, a)
    assert len(explanation) == 2
    assert [path.operands for path in explanation] == [(0,), (1,)]
    assert [path.product for path in explanation] == [1.0, 1.0]
    assert explanation.total == 2.0


def test_products_by_hand():
    # out = (a + a) * a at a = 2: three paths, d(out)/da = 4a = 8.
    #   a -> + (1st operand) -> *:  1 * a       = 2
    #   a -> + (2nd operand) -> *:  1 * a       = 2
    #   a -> *:                     (a + a)     = 4
    a = Value(2.0, label='a')
    twice = a + a
    out = twice * a
    explanation = explain(out, a)
    assert [path.local_derivatives for path in explanation] == [(1.0, 2.0), (1.0, 2.0), (4.0,)]
    assert [path.product for path in explanation] == [2.0, 2.0, 4.0]
    assert [path.nodes for path in explanation] == [(a, twice, out), (a, twice, out), (a, out)]
    assert explanation.total == 8.0


def test_table_is_readable():
    x = Value(3.0, label='x')
    w = Value(-0.5, label='w')
    hidden = (x * w).tanh()
    hidden.label = 'h'
    loss = hidden * x + x * 2.0
    loss.label = 'L'
    text = str(explain(loss, x))
    lines = text.splitlines()
    assert lines[0].startswith('d(L)/d(x) = sum over 3 paths from x to L')
    assert 'x -> * -> h -> * -> L' in text  # through x * w, then tanh (labelled h), then h * x
    assert 'x -> * -> L' in text  # as the second operand of h * x
    assert 'x -> *2 -> L' in text
    # The factors of the first path: d(x*w)/dx = w, d(tanh)/d = 1 - h**2, d(h*x)/dh = x, then 1.
    first_factors = f'-0.5 * {1 - math.tanh(-1.5) ** 2:.4g} * 3 * 1 '
    assert first_factors in text
    total_line = lines[-1].split()
    assert total_line[0] == 'total'
    loss.backward()
    assert math.isclose(float(total_line[1]), x.grad, rel_tol=1e-5)
    assert repr(explain(loss, x)) == text


def test_table_marks_which_operand_a_repeated_value_enters():
    a = Value(2.0, label='a')
    doubled = a + a
    doubled.label = 'b'
    text = str(explain(doubled * 3.0, a))
    assert 'a -> b[1] -> *3' in text and 'a -> b[2] -> *3' in text
    assert "k-th operand" in text
    assert '[1]' not in str(explain(a * 3.0, a))


def test_no_path_and_the_trivial_path():
    x, y = Value(1.0, label='x'), Value(2.0, label='y')
    explanation = explain(y * 3.0, x)
    assert len(explanation) == 0 and explanation.total == 0.0
    assert 'does not depend on x' in str(explanation)
    itself = explain(x, x)
    assert len(itself) == 1 and itself.total == 1.0 and itself[0].nodes == (x,)


def test_an_interior_node_as_x():
    x = Value(0.5, label='x')
    hidden = x * 2.0
    out = hidden.tanh() + hidden
    explanation = explain(out, hidden)
    assert len(explanation) == 2
    assert math.isclose(explanation.total, 1.0 - math.tanh(1.0) ** 2 + 1.0, rel_tol=1e-12)


def test_explain_does_not_touch_grad():
    x = Value(1.0)
    x.grad = 4.0
    hidden = x * x
    explain(hidden.exp(), x)
    assert x.grad == 4.0 and hidden.grad == 0.0


# --------------------------------------------------------------------------
# Random graphs with reuse: the paths are real paths and they add up to x.grad

STEPS = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: (a * b).tanh(),
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: a.sigmoid() * b,
    lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    lambda a, b: a.relu() + b.exp().log(),
]


def build(steps, leaves):
    pool = list(leaves)
    for op, first, second in steps:
        pool.append(STEPS[op % len(STEPS)](pool[first % len(pool)], pool[second % len(pool)]))
    return pool[-1]


def count_paths_naively(node, x):
    """Paths from x up to node, by plain recursion over the operands (small graphs only)."""
    if node is x:
        return 1
    return sum(count_paths_naively(parent, x) for parent in node._prev)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
                min_size=1, max_size=7),
       st.integers(0, 2))
def test_paths_add_up_to_the_gradient_on_random_graphs_with_reuse(point, steps, which):
    leaves = [Value(p, label=f'x{i}') for i, p in enumerate(point)]
    root = build(steps, leaves)
    x = leaves[which % len(leaves)]
    explanation = explain(root, x, max_paths=100_000)
    assert len(explanation) == count_paths_naively(root, x)
    seen = set()
    for path in explanation:
        assert path.nodes[0] is x and path.nodes[-1] is root
        for k, position in enumerate(path.operands):
            assert path.nodes[k + 1]._prev[position] is path.nodes[k]
        signature = tuple((id(node), position) for node, position in zip(path.nodes[1:], path.operands))
        assert signature not in seen
        seen.add(signature)
    root.backward()
    scale = math.fsum(abs(path.product) for path in explanation)
    assert abs(explanation.total - x.grad) <= 1e-9 * (1.0 + scale)


# --------------------------------------------------------------------------
# The path limit


def doubling_chain(x, times):
    y = x
    for _ in range(times):
        y = y + y
    return y


def test_the_path_limit_counts_without_listing():
    x = Value(1.0, label='x')
    root = doubling_chain(x, 40)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r'1,099,511,627,776 paths from x up to the root') as error:
        explain(root, x)
    assert time.perf_counter() - start < 1.0
    assert 'max_paths=1,000' in str(error.value)


def test_the_limit_is_inclusive():
    x = Value(1.0, label='x')
    root = doubling_chain(x, 5)
    explanation = explain(root, x, max_paths=32)
    assert len(explanation) == 32 and explanation.total == 32.0
    with pytest.raises(ValueError, match='32 paths'):
        explain(root, x, max_paths=31)


def test_a_very_deep_chain_needs_no_recursion():
    x = Value(0.3, label='x')
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + 0.0
    explanation = explain(y, x)
    assert len(explanation) == 1 and len(explanation[0].nodes) == 40_001
    y.backward()
    assert math.isclose(explanation.total, x.grad, rel_tol=1e-12)
    assert '...(' in str(explanation)  # the long path is shown by its ends


def test_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match='root must be a Value'):
        explain(2.0, x)
    with pytest.raises(TypeError, match='x must be a Value'):
        explain(x * 2.0, 1.0)
    for bad in (0, -3):
        with pytest.raises(ValueError, match='explain: max_paths must be a positive int'):
            explain(x * 2.0, x, max_paths=bad)
    for bad in (2.5, True, '10'):  # the wrong kind: TypeError
        with pytest.raises(TypeError, match='explain: max_paths must be a positive int'):
            explain(x * 2.0, x, max_paths=bad)


# --------------------------------------------------------------------------
# Drawing: draw_dot(root, highlight=<the path nodes>)


@pytest.fixture
def recorded_draw_dot(monkeypatch):
    """Replace autograd.draw.draw_dot with a recorder."""
    calls = []

    def draw_dot(root, **options):
        calls.append((root, options))
        return 'drawing'

    import autograd.draw

    monkeypatch.setattr(autograd.draw, 'draw_dot', draw_dot)
    return calls


def test_draw_highlights_the_path_nodes(recorded_draw_dot):
    x, w, other = Value(1.0, label='x'), Value(2.0, label='w'), Value(3.0, label='o')
    product = x * w
    side = other * 2.0
    squashed = product.tanh()
    root = squashed + product + side
    explanation = explain(root, x)
    assert explanation.draw(rankdir='TB') == 'drawing'
    (drawn_root, options), = recorded_draw_dot
    assert drawn_root is root and options['rankdir'] == 'TB'
    highlighted = options['highlight']
    assert len(explanation) == 2
    assert set(highlighted) == {x, product, squashed, root._prev[0], root}
    assert len(highlighted) == len(set(highlighted))
    assert w not in highlighted and other not in highlighted and side not in highlighted

    explanation.draw(path=2)
    only_second = set(recorded_draw_dot[-1][1]['highlight'])
    assert only_second == set(explanation[1].nodes)
    for bad in (0, 3):
        with pytest.raises(ValueError, match='path must be an int from 1 to 2'):
            explanation.draw(path=bad)
    with pytest.raises(TypeError, match='path must be an int from 1 to 2'):
        explanation.draw(path='1')


def test_draw_with_the_real_draw_dot_outlines_the_paths():
    from autograd.draw import PALETTE

    HIGHLIGHT_COLOR = PALETTE['highlight']

    x, w = Value(3.0, label='x'), Value(-0.5, label='w')
    root = (x * w).tanh() * x
    root.label = 'L'
    drawing = explain(root, x).draw()
    assert HIGHLIGHT_COLOR in drawing.source and 'L' in drawing.source
    assert HIGHLIGHT_COLOR not in explain(root, Value(1.0)).draw().source  # no path, nothing outlined
