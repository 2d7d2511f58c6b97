"""Graphs are freed by reference counting alone.

A training step (an MLP 2-16-16-1 on 20 points, max-margin loss, backward)
is written directly with Values, so these tests depend on the engine only.
If any node referred to itself (say, a backward closure capturing its own
output node, as in micrograd), dropping the graph would leave garbage for
the cyclic collector, and `gc.collect()` would report it.
"""

import gc
import random
import tracemalloc

from autograd import Value
from autograd.graph import topo_order


def make_parameters(sizes=(2, 16, 16, 1), seed=0):
    """Per layer, per neuron: (weights, bias)."""
    rng = random.Random(seed)
    return [
        [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]


def make_points(count=20, seed=1):
    rng = random.Random(seed)
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(count)]
    return [((x, y), 1.0 if x * y > 0 else -1.0) for x, y in points]


def forward(layers, inputs):
    activations = inputs
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        outputs = []
        for weights, bias in layer:
            total = sum((w * a for w, a in zip(weights, activations)), bias)
            outputs.append(total if last else total.tanh())
        activations = outputs
    return activations[0]


def training_step_loss(layers, points):
    """Mean hinge loss max(0, 1 - y * score) plus an L2 penalty, after backward()."""
    margins = [(1 - label * forward(layers, list(xy))).relu() for xy, label in points]
    data_loss = sum(margins) * (1.0 / len(margins))
    penalty = sum(w * w for layer in layers for weights, _ in layer for w in weights)
    loss = data_loss + 1e-4 * penalty
    loss.backward()
    return loss


def test_a_training_step_graph_leaves_nothing_for_the_cyclic_collector():
    layers, points = make_parameters(), make_points()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()  # start clean
        loss = training_step_loss(layers, points)
        assert len(topo_order(loss)) > 10_000  # a real graph was built
        assert any(w.grad != 0.0 for w in layers[0][0][0])
        del loss
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_the_collector_check_does_catch_a_cycle():
    """The control: the same measurement sees a self-referencing closure."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()

        def node_with_closure_on_itself():
            node = {'data': 1.0}
            node['backward'] = lambda: node['data']  # captures its own node
            return node

        garbage = node_with_closure_on_itself()
        del garbage
        assert gc.collect() > 0
    finally:
        if was_enabled:
            gc.enable()


def test_memory_returns_to_baseline_after_del(capsys):
    layers, points = make_parameters(), make_points()
    was_enabled = gc.isenabled()
    gc.disable()  # so that only reference counting can free the graph
    tracemalloc.start()
    try:
        # A warm-up step fills the interpreter's free lists (a few thousand
        # small tuples are kept for reuse), so the baseline is steady state.
        del_loss = training_step_loss(layers, points)
        del del_loss
        baseline = tracemalloc.get_traced_memory()[0]
        leftovers = []
        for _ in range(3):
            loss = training_step_loss(layers, points)
            with_graph = tracemalloc.get_traced_memory()[0]
            del loss
            leftovers.append(tracemalloc.get_traced_memory()[0] - baseline)
        n_nodes = len(topo_order(training_step_loss(layers, points), leaves=False))
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    graph_bytes = with_graph - baseline
    assert graph_bytes > 100 * n_nodes  # the graph was measured at all
    for leftover in leftovers:  # each step's graph is gone: no growth from step to step
        assert leftover < 0.01 * graph_bytes, (graph_bytes, leftovers)
    with capsys.disabled():
        print(
            f'\n  training-step graph: {n_nodes} interior nodes, {graph_bytes} bytes, '
            f'{graph_bytes / n_nodes:.0f} bytes/node (tracemalloc); left after del: {leftovers}'
        )


def test_a_node_is_one_object_for_the_cyclic_collector():
    """The GC counts and scans container objects as a graph grows; a node
    holds its parents in its own slots, so building n nodes adds n tracked
    objects, not 2n (a tuple of parents per node would double them)."""
    x, y = Value(0.5), Value(-1.5)
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [x]
        for i in range(2000):
            nodes.append(nodes[-1] * y if i % 2 else nodes[-1] + x)
        added = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert 2000 <= added <= 2000 + 50, f'{added} tracked objects for 2000 nodes'
    for node in nodes[1:]:
        assert not any(isinstance(r, tuple) and r for r in gc.get_referents(node))
