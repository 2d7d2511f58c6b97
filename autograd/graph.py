"""Walking a computation graph.

A graph is given by its root: every `Value` lists its `parents` (none for a
leaf). `topo_order` lives in engine.py, next to the node: it runs inside
every `backward()` and reads the node's slots; it is importable from here.
"""

import contextlib
import gc
import re

from .engine import topo_order  # noqa: F401 (a walk of the graph, kept beside the node)


def ancestors(root, stop=()):
    """`root` and every node it depends on, each once: `root` first, then in
    depth-first order. The walk does not enter the nodes in `stop`, so a node
    reachable only through them is left out, as are they.

    `nn` uses it to find the nodes a neuron made from its inputs (stop = the
    inputs). No order between parents and children is promised: for that,
    use `topo_order`.
    """
    stop = set(stop)
    seen = set()
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen or node in stop:
            continue
        seen.add(node)
        found.append(node)
        stack.extend(node.parents)
    return found


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a large graph is built.

    Building tens of thousands of nodes at once makes the collector scan
    them again and again as they are allocated (measured: trace() 5-8x
    slower with it running). This engine's graphs have no reference cycles,
    so there is nothing for it to find: reference counting frees a graph
    the moment it is dropped. The caller's setting is restored, also on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def value_names(order):
    """A name for every node of `order` (topological), for texts and drawings: its
    label, else v0, v1, ... counting the unlabelled nodes. A label that is not a
    plain name ('x1*w1') is put in parentheses, so that `(x1*w1).grad` reads as
    one thing."""
    names = {}
    unlabelled = 0
    for node in order:
        label = node.label
        if not label:
            names[node] = f'v{unlabelled}'
            unlabelled += 1
        elif _PLAIN_NAME.fullmatch(label):
            names[node] = label
        else:
            names[node] = f'({label})'
    return names


_PLAIN_NAME = re.compile(r'[^\W\d]\w*(\.\w+)*')
