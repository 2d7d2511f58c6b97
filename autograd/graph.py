"""Walking a computation graph.

A graph is given by its root: every `Value` lists its parents in `._prev`.
These helpers only read `._prev`, so they serve the engine's `backward()`,
the drawings and `explain` alike.
"""


def topo_order(root, leaves=True):
    """Every node that `root` depends on, each after all of its parents.

    The sort is a depth-first search driven by an explicit stack of parent
    iterators instead of recursion, so a chain of a million operations needs
    no more Python stack than a chain of three. With `leaves=False` the
    nodes without parents are left out (the backward pass has nothing to do
    for them, and skipping them saves a set lookup per edge into a weight).
    """
    order = []
    seen = {root}
    stack = [(root, iter(root._prev))]
    push, pop, record, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent in seen:
                continue
            mark(parent)
            if parent._prev:
                push((parent, iter(parent._prev)))
                break
            if leaves:
                record(parent)
        else:
            pop()
            if leaves or node._prev:
                record(node)
    return order


def edges(root):
    """All (parent, child) edges below `root`, one per entry of `._prev`.

    Duplicates are kept: `a + a` has two edges from `a`.
    """
    return [(parent, node) for node in topo_order(root) for parent in node._prev]
