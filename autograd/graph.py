"""Walking a computation graph.

A graph is given by its root: every `Value` lists its parents in `._prev`
(none for a leaf). `ancestors` and the drawings read `._prev`; `topo_order`,
which runs inside every `backward()`, reads the slots behind it directly.
"""

import contextlib
import gc


def topo_order(root, leaves=True):
    """Every node that `root` depends on, each after all of its parents.

    The sort is a depth-first search driven by an explicit stack of parent
    iterators instead of recursion, so a chain of a million operations needs
    no more Python stack than a chain of three. With `leaves=False` the
    nodes without parents are left out (the backward pass has nothing to do
    for them).
    """
    if root._a is None:
        return [root] if leaves else []
    order = []
    seen = {root}
    # `path` is the chain of nodes being explored, from the root down to the
    # current node; `parents` iterates over the current node's parents not
    # yet visited, and `pending` keeps the same, suspended, for the nodes
    # above it on the path. Plain lists and a local variable, not a stack of
    # (node, iterator) pairs: this loop runs once per node, and a pair per
    # node is one more allocation and one more lookup.
    path = [root]
    pending = []
    parents = iter(root._prev)
    while True:
        for parent in parents:
            if parent._a is not None:  # an interior node
                if parent not in seen:
                    seen.add(parent)
                    path.append(parent)
                    pending.append(parents)
                    # `parent._prev`, written out: this line runs once per node.
                    b = parent._b
                    parents = iter((parent._a,) if b is None else parent._more or (parent._a, b))
                    break  # explore this parent's parents first
            # A leaf is asked about its parents first, so that with leaves=False
            # the many edges into weights and inputs never touch the set.
            elif leaves and parent not in seen:
                seen.add(parent)
                order.append(parent)
        else:
            order.append(path.pop())  # all its parents are in `order` now
            if not pending:
                return order
            parents = pending.pop()


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
        stack.extend(node._prev)
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
