"""`autograd.graph`: topological order and edges, checked on random graphs.

The checker is independent of the code under test: it collects the reachable
nodes with its own breadth-first walk over `._prev` and then verifies that
every parent appears before its child.
"""

import sys
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from autograd.graph import ancestors, topo_order


def reachable(root):
    """Every node `root` depends on (itself included), by a plain BFS."""
    found = {id(root): root}
    queue = deque([root])
    while queue:
        for parent in queue.popleft()._prev:
            if id(parent) not in found:
                found[id(parent)] = parent
                queue.append(parent)
    return found


def edges_in_order(root):
    """(parent, child) for every entry of `._prev` below root, as a drawing walks them."""
    return [(parent, node) for node in topo_order(root) for parent in node._prev]


def assert_topological(order, root, leaves=True):
    """`order` holds each expected node exactly once, every parent before its child."""
    expected = {key: node for key, node in reachable(root).items() if leaves or node._prev}
    positions = {id(node): i for i, node in enumerate(order)}
    assert len(positions) == len(order), 'a node appears twice'
    assert positions.keys() == expected.keys(), 'wrong set of nodes'
    for node in order:
        for parent in node._prev:
            if id(parent) in positions:
                assert positions[id(parent)] < positions[id(node)], 'a parent after its child'
            else:
                assert not leaves and not parent._prev, 'an interior parent is missing'
    if expected.get(id(root)) is not None:
        assert order[-1] is root


OPERATIONS = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: a.tanh(),
    lambda a, b: 2 * a,
    lambda a, b: a + a,
    lambda a, b: b.sigmoid() * a,
]


@st.composite
def random_graphs(draw):
    """A root over a random DAG: leaves, then nodes whose operands are any earlier nodes."""
    n_leaves = draw(st.integers(1, 5))
    nodes = [Value(0.5, label=f'leaf{i}') for i in range(n_leaves)]
    n_steps = draw(st.integers(0, 40))
    for step in range(n_steps):
        operation = draw(st.sampled_from(OPERATIONS))
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        b = nodes[draw(st.integers(0, len(nodes) - 1))]
        node = operation(a, b)
        node.label = f'n{step}'
        nodes.append(node)
    return nodes[draw(st.integers(0, len(nodes) - 1))]


@settings(max_examples=150, deadline=None)
@given(root=random_graphs())
def test_topo_order_is_topological_on_random_graphs(root):
    assert_topological(topo_order(root), root)


@settings(max_examples=150, deadline=None)
@given(root=random_graphs())
def test_topo_order_without_leaves_is_topological_on_random_graphs(root):
    order = topo_order(root, leaves=False)
    assert all(node._prev for node in order)
    assert_topological(order, root, leaves=False)


@settings(max_examples=100, deadline=None)
@given(root=random_graphs())
def test_edges_keep_one_edge_per_parent_entry(root):
    """The edges a drawing makes from topo_order: one per `._prev` entry of every reachable node."""
    expected = sorted((id(parent), id(node)) for node in reachable(root).values() for parent in node._prev)
    assert sorted((id(parent), id(child)) for parent, child in edges_in_order(root)) == expected


def test_a_checker_that_can_fail():
    a = Value(1.0)
    b = a * 2
    c = b + a
    assert_topological([a, b, c], c)
    for wrong in ([b, a, c], [a, c, b], [a, b], [a, b, b, c]):
        try:
            assert_topological(wrong, c)
        except AssertionError:
            continue
        raise AssertionError(f'checker accepted {wrong}')


def test_order_does_not_depend_on_object_ids():
    """Built twice, the same graph is visited in the same order (by label)."""

    def build():
        x, y, z = Value(1.0, label='x'), Value(2.0, label='y'), Value(3.0, label='z')
        p = x * y
        p.label = 'p'
        q = z + x
        q.label = 'q'
        r = p * q + y
        r.label = 'r'
        return r

    first = [node.label for node in topo_order(build())]
    for _ in range(5):
        assert [node.label for node in topo_order(build())] == first


def test_a_plus_a_gives_two_edges_and_one_node():
    a = Value(1.0)
    b = a + a
    assert topo_order(b) == [a, b]
    assert edges_in_order(b) == [(a, b), (a, b)]
    assert topo_order(b, leaves=False) == [b]


def test_a_leaf_root():
    leaf = Value(1.0)
    assert topo_order(leaf) == [leaf]
    assert topo_order(leaf, leaves=False) == []
    assert edges_in_order(leaf) == []


def test_deep_chain_and_wide_sum_without_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(100, stack_depth() + 60))
    try:
        x = Value(1.0)
        chain = x
        for _ in range(100_000):
            chain = chain.tanh()
        chain_order = topo_order(chain)
        wide = [Value(float(i)) for i in range(10_000)]
        total = sum(wide)
        wide_order = topo_order(total, leaves=False)
    finally:
        sys.setrecursionlimit(limit)
    assert len(chain_order) == 100_001 and chain_order[0] is x and chain_order[-1] is chain
    for parent, child in zip(chain_order, chain_order[1:]):
        assert child._prev == (parent,)
    assert len(wide_order) == 10_000  # the interior additions only
    assert_topological(wide_order, total, leaves=False)


def stack_depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


# --------------------------------------------------------------------------
# ancestors: what a node depends on, optionally short of some nodes


def reachable_avoiding(root, stop):
    """The nodes reachable from `root` without entering a node of `stop`, by a plain BFS."""
    stop_ids = {id(node) for node in stop}
    if id(root) in stop_ids:
        return {}
    found = {id(root): root}
    queue = deque([root])
    while queue:
        for parent in queue.popleft()._prev:
            if id(parent) not in found and id(parent) not in stop_ids:
                found[id(parent)] = parent
                queue.append(parent)
    return found


@settings(max_examples=150, deadline=None)
@given(root=random_graphs(), data=st.data())
def test_ancestors_are_the_reachable_nodes_short_of_stop(root, data):
    everything = list(reachable(root).values())
    stop = data.draw(st.lists(st.sampled_from(everything), max_size=3))
    found = ancestors(root, stop=stop)
    assert len({id(node) for node in found}) == len(found), 'a node appears twice'
    assert {id(node) for node in found} == reachable_avoiding(root, stop).keys()
    if found:
        assert found[0] is root
    assert {id(node) for node in ancestors(root)} == reachable(root).keys()


def test_ancestors_stop_at_the_inputs_of_a_neuron():
    x1, x2 = Value(1.0), Value(2.0)
    w = Value(0.5)
    shared = x1 * x2  # an input made earlier: the walk must not enter it (nor reach x2)
    out = (w * shared + w * x1).tanh()
    made = ancestors(out, stop=[shared, x1])
    assert x1 not in made and x2 not in made and shared not in made
    assert w in made and out in made and len(made) == 5  # out, the sum, two products, w


def test_cyclic_gc_paused_restores_the_callers_setting_also_on_error():
    import gc

    import pytest

    from autograd.graph import cyclic_gc_paused

    was = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            with pytest.raises(KeyError):
                with cyclic_gc_paused():
                    assert not gc.isenabled()
                    raise KeyError('boom')
            assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
