"""`explain`: a gradient as a sum over paths.

The multivariable chain rule, made visible. For an output `root` and a value
`x` below it,

    d(root)/d(x) = sum over every path x -> v1 -> ... -> root of
                   d(v1)/d(x) * d(v2)/d(v1) * ... * d(root)/d(vk),

one term per path, each term the product of the local derivatives along the
edges of that path. A value used twice by the same operation (`a + a`) has
two edges into it, so two paths. Backpropagation computes the same sum
without listing the paths, by factoring out their shared tails: that is why
it is fast, and why it is worth seeing the sum written out once.

    >>> from autograd import Value
    >>> x = Value(3.0, label='x')
    >>> y = (x * x).tanh()
    >>> explanation = explain(y, x)
    >>> len(explanation)                      # x * x: x enters twice
    2
    >>> y.backward()
    >>> abs(explanation.total - x.grad) < 1e-12
    True
"""

import math

from ._validate import check_int
from .engine import Value, local_derivatives
from .graph import topo_order

# Paths longer than this are shown with their middle elided in the table.
_SHOWN_PATH_ENDS = 5


class Path:
    """One path from `x` up to `root`.

    `nodes` runs from x to root. `operands[k]` is the position (0-based) in
    `nodes[k + 1].parents` through which the k-th edge enters, which tells the
    two edges of `a + a` apart. `local_derivatives[k]` is that edge's local derivative
    d(nodes[k + 1])/d(nodes[k]) and `product` is their product:
    this path's share of the gradient.
    """

    __slots__ = ('nodes', 'operands', 'local_derivatives', 'product')

    def __init__(self, nodes, operands, local_derivatives):
        self.nodes = nodes
        self.operands = operands
        self.local_derivatives = local_derivatives
        self.product = math.prod(local_derivatives)

    def __repr__(self):
        return f'Path({_describe_path(self)}: product={self.product!r})'


class Explanation:
    """The paths from `x` up to `root`, their products, and their sum.

    `paths` is the list of `Path`s (also reachable by iterating, `len()` and
    indexing); `total` is the sum of their products, d(root)/d(x), which is
    what `root.backward()` leaves in `x.grad` (up to rounding: the sums are
    taken in a different order). Printing gives a table; `draw()` gives the
    graph with the paths highlighted.
    """

    def __init__(self, root, x, paths):
        self.root = root
        self.x = x
        self.paths = paths
        self.total = math.fsum(path.product for path in paths)

    def __len__(self):
        return len(self.paths)

    def __iter__(self):
        return iter(self.paths)

    def __getitem__(self, index):
        return self.paths[index]

    def __repr__(self):
        return self.table()

    __str__ = __repr__

    def table(self):
        """The explanation as text: one row per path, then the total."""
        root_name, x_name = _name(self.root), _name(self.x)
        derivative = f'd({root_name})/d({x_name})'
        if not self.paths:
            return f'{derivative} = 0: {root_name} does not depend on {x_name} (no path leads there)'
        noun = 'path' if len(self.paths) == 1 else 'paths'
        heading = (f'{derivative} = sum over {len(self.paths)} {noun} from {x_name} to {root_name} '
                   f'of the product of the local derivatives along it')
        rows = [('#', 'path', 'local derivatives', 'product')]
        for number, path in enumerate(self.paths, 1):
            locals_text = _elide([f'{local:.4g}' for local in path.local_derivatives], ' * ')
            rows.append((str(number), _describe_path(path), locals_text or '(none)', f'{path.product:.6g}'))
        rows.append(('', 'total', '', f'{self.total:.6g}'))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [heading, '']
        for row in rows:
            cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                     row[3].rjust(widths[3])]
            lines.append('  '.join(cells).rstrip())
        if any(_needs_operand_mark(path, k) for path in self.paths for k in range(len(path.operands))):
            lines.append('')
            lines.append('op[k]: the edge enters that operation as its k-th operand '
                         '(the same value is used more than once there, so each use is a path)')
        return '\n'.join(lines)

    def draw(self, path=None, **options):
        """`draw_dot(root, highlight=...)` with the nodes of every path highlighted
        (or only those of path number `path`, counting from 1 as in the table).
        Other keyword options are passed on to `draw_dot`."""
        if path is None:
            chosen = self.paths
        else:
            check_int('draw', 'path', path, minimum=1, maximum=len(self.paths))
            chosen = [self.paths[path - 1]]
        highlight = []
        seen = set()
        for each in chosen:
            for node in each.nodes:
                if node not in seen:
                    seen.add(node)
                    highlight.append(node)
        from .draw import draw_dot  # graphviz is a heavy import: only when drawing
        return draw_dot(self.root, highlight=tuple(highlight), **options)


def explain(root, x, max_paths=1000):
    """Every path from `x` up to `root`, with the product of local derivatives along it.

    Returns an `Explanation` whose `total` (the sum of the products) is
    d(root)/d(x). `x` may be any node of root's graph (a leaf or an interior
    node); if root does not depend on x there are no paths and the total is 0.
    `root` is explained as it is: nobody's `.grad` is read or changed.

    The number of paths can grow exponentially with the depth of a graph
    (y = x; y = y + y, forty times over, has 2**40 paths), so they are
    counted before any is listed. If there are more than `max_paths`,
    `explain` raises ValueError giving the count and lists none: a partial
    list would not add up to the gradient, which is the point of the table.
    """
    if not isinstance(root, Value):
        raise TypeError(f'explain: root must be a Value, got {type(root).__name__}: {root!r}')
    if not isinstance(x, Value):
        raise TypeError(f'explain: x must be a Value, got {type(x).__name__}: {x!r}')
    check_int('explain', 'max_paths', max_paths, minimum=1)

    order = topo_order(root)
    # The uses of each node: (child, operand position), one per edge.
    uses = {node: [] for node in order}
    for node in order:
        for position, parent in enumerate(node.parents):
            uses[parent].append((node, position))
    if x not in uses:
        return Explanation(root, x, [])

    # Dynamic programming, children before parents: the paths from a node to
    # root are the paths from each of its uses, so counting them costs one
    # step per edge even when listing them would never finish.
    paths_to_root = {}
    for node in reversed(order):
        paths_to_root[node] = 1 if node is root else sum(paths_to_root[child] for child, _ in uses[node])
    count = paths_to_root[x]
    if count > max_paths:
        raise ValueError(
            f'explain: there are {count:,} paths from {_name(x)} up to the root {_name(root)}, '
            f'more than max_paths={max_paths:,}; pass a larger max_paths to list them all, or '
            f'call root.backward() and read x.grad: backpropagation needs one step per edge, '
            f'however many paths there are'
        )

    # Depth-first, with an explicit stack (a chain may be a million nodes
    # deep). Each entry carries its path so far as a linked list
    # (previous link, child, operand), so extending a path copies nothing.
    known = {}  # node -> its local derivatives, computed once
    paths = []
    stack = [(x, None)]
    while stack:
        node, link = stack.pop()
        if node is root:
            paths.append(_unlink(x, link, known))
            continue
        for child, position in reversed(uses[node]):  # reversed: pop in operand order
            stack.append((child, (link, child, position)))
    return Explanation(root, x, paths)


def _unlink(x, link, known):
    """The Path that the linked list `link` (ending at root) spells out from x."""
    steps = []
    while link is not None:
        link, child, position = link
        steps.append((child, position))
    steps.reverse()
    along = []
    for child, position in steps:
        if child not in known:
            known[child] = local_derivatives(child)
        along.append(known[child][position])
    return Path((x, *(child for child, _ in steps)), tuple(p for _, p in steps), tuple(along))


# --------------------------------------------------------------------------
# Text


def _name(node):
    """A node as the table shows it: its label, else its operation."""
    if node.label:
        return node.label
    if node.rule is not None:
        return node.op
    return f'leaf {node.data:g}'


def _needs_operand_mark(path, k):
    child = path.nodes[k + 1]
    return child.parents.count(path.nodes[k]) > 1


def _describe_path(path):
    names = [_name(path.nodes[0])]
    for k, position in enumerate(path.operands):
        name = _name(path.nodes[k + 1])
        if _needs_operand_mark(path, k):
            name += f'[{position + 1}]'
        names.append(name)
    return _elide(names, ' -> ')


def _elide(parts, separator):
    """Join parts, showing only both ends of a long list."""
    if len(parts) <= 2 * _SHOWN_PATH_ENDS + 1:
        return separator.join(parts)
    hidden = len(parts) - 2 * _SHOWN_PATH_ENDS
    return separator.join([*parts[:_SHOWN_PATH_ENDS], f'...({hidden} more)...',
                           *parts[-_SHOWN_PATH_ENDS:]])
