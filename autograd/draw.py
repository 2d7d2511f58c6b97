"""Drawing a graph: `draw_dot(root)` gives a `graphviz.Digraph`.

A drawing is made in two steps. `Scene` walks the graph once (with
`topo_order`) and decides what will be drawn: a record node
`{ label | data | grad }` per value, a small node per operation, one edge
per entry of a node's `.parents` (so `a + a` shows two edges), the clusters of
`groups`, and the boxes of `collapse=True`. `Scene.digraph()` then turns
that into a `graphviz.Digraph`. Node ids are positions in topological order
(`v3` is the value at position 3, `op3` the operation that made it, `v3_0`,
`v3_1`, ... the copies of v3 drawn next to its uses when it is used many
times or far away), so the same graph always gives the same DOT source.
`render` runs Graphviz's `dot` within a time budget and refuses anything
but a whole drawing.

How things look is decided by the two tables below, `STYLE` and
`FRAME_STATES`, and by the colours of autograd/web/palette.json (shared with
the stepper page). graphviz is imported only when a drawing is made, so
`import autograd` stays fast and works without it.
"""

import math
import re

from .engine import DIV, MUL, POW, Value
from .graph import topo_order, value_names
from .rendering import (NODE_STATEMENT, DrawingError, DrawingTimeout,  # noqa: F401 (re-exported)
                        GraphvizNotFoundError, render)
from .web_files import palette


PALETTE = palette()
"""The project's colours by role (autograd/web/palette.json)."""

_MUTED = {'fontcolor': PALETTE['muted'], 'color': PALETTE['muted']}

STYLE = {
    # Graphviz attributes of every drawing, by what they apply to.
    # nslimit bounds dot's network-simplex passes that place nodes within a rank:
    # unbounded, a 300-node graph could take minutes (benchmarks/drawings.py).
    'graph': {'fontname': 'Helvetica', 'nodesep': '0.25', 'ranksep': '0.35', 'nslimit': '1'},
    'node': {'fontname': 'Helvetica', 'fontsize': '11'},
    'edge': {'arrowsize': '0.7', 'fontname': 'Helvetica', 'fontsize': '9'},
    'value': {'shape': 'record', 'style': 'filled', 'fillcolor': PALETTE['value_fill']},
    'operation': {'shape': 'ellipse', 'style': 'filled', 'fillcolor': PALETTE['op_fill'],
                  'fontsize': '10', 'height': '0.3', 'margin': '0.04,0.02'},
    'box': {'shape': 'box', 'margin': '0', 'style': 'filled,bold', 'fillcolor': PALETTE['box_fill']},
    # Room between columns of boxes, for the weights' lines to fan out.
    'boxes_graph': {'ranksep': '1.2'},
    # Nested clusters get darker fills: PALETTE['cluster_fills'][depth - 1].
    'cluster': {'style': 'rounded,filled', 'color': PALETTE['cluster_border'], 'fontname': 'Helvetica',
                'fontsize': '10', 'labeljust': 'l'},
    'highlight': {'color': PALETTE['highlight'], 'penwidth': '3'},
}

FRAME_STATES = {
    # The hook for stepper frames (autograd/stepper.py): a scene made with
    # `states={value: state}` draws each value, its operation and the edges
    # into the 'current' operation with these attributes added. Drawing code
    # knows no more of steppers than this table and one rule: a
    # 'not_computed' value shows its data as '?'.
    'current': {'value': {'fillcolor': PALETTE['current_fill'], 'color': PALETTE['current_border'],
                          'penwidth': '3'},
                'operation': {'fillcolor': PALETTE['current_op_fill'], 'color': PALETTE['current_border'],
                              'penwidth': '2.5'}},
    'updated': {'value': {'fillcolor': PALETTE['updated_fill'], 'color': PALETTE['updated_border'],
                          'penwidth': '2.5'},
                'edge_to_current': {'color': PALETTE['updated_border'], 'penwidth': '2.5'}},
    'partial': {'value': {'style': 'filled,dashed'}},
    'pending': {'value': _MUTED, 'operation': {**_MUTED, 'fillcolor': PALETTE['pending_op_fill']}},
    'not_computed': {'value': _MUTED, 'operation': {**_MUTED, 'fillcolor': PALETTE['pending_op_fill']}},
}

# A value used by more operations than this is drawn once next to each use
# (ids v3_0, v3_1, ...), and so is a value for a use more than SPAN_LIMIT
# ranks away (a rank is a column of the drawing: a value or an operation).
# Edges reaching across the drawing are what made Graphviz take minutes: it
# lays each out as a chain of hidden nodes, one per rank crossed
# (benchmarks/drawings.py). A copied value without a label shows its name
# (v0, v1, ... as in the steps' texts), so its copies can be recognised.
REUSE_LIMIT = 4
SPAN_LIMIT = 8

# Which side is which where operand order matters (a / b, a ** b).
_SIDES = {DIV: ('num', 'den'), POW: ('base', 'exp')}

RANKDIRS = ('LR', 'TB', 'RL', 'BT')


class TooManyNodesError(ValueError):
    """The graph has more nodes to draw (`count`: values, operations, boxes,
    described in `parts`) than `max_nodes` allows."""

    def __init__(self, count, parts, max_nodes, message):
        self.count, self.parts, self.max_nodes = count, parts, max_nodes
        super().__init__(message)


def draw_dot(root, rankdir='LR', show_grad=True, highlight=(), groups=None, collapse=False,
             color_grads=False, max_nodes=400, title=None):
    """A `graphviz.Digraph` of everything `root` depends on.

    Each value is a record `{ label | data | grad }` (the label only when it
    has one), each operation its own small node, and every parent edge is
    drawn. `highlight` is a Value or an iterable of Values to outline. `groups` maps
    Values to a tuple of cluster names, outermost first (what
    `model.forward_with_groups(x)` returns): those nodes are drawn inside
    nested clusters, sibling groups in the order of the numbers in their names
    (neuron 2 above neuron 10).
    `collapse=True` draws each innermost group as one box showing its output
    (the node of the group that no other node of the group uses); an edge
    into a box that multiplies by one of the box's weights is that weight:
    its width grows with |weight| and its colour is the weight's sign (the
    palette's value colours), its tooltip names it.
    `color_grads=True` fills values by the sign of their gradient (blue +,
    red -), stronger for larger |grad|. More than `max_nodes` drawn nodes
    (values plus operations) raises ValueError instead of hanging Graphviz.
    `title` is written above the drawing (say, which point and which loss).

    Render with `.pipe(format='svg')` or `.render(...)`; in Jupyter the result
    displays itself.
    """
    scene = Scene(root, rankdir=rankdir, show_grad=show_grad, highlight=highlight, groups=groups,
                  collapse=collapse, color_grads=color_grads, max_nodes=max_nodes, title=title)
    return scene.digraph()


def _digraph_class():
    """graphviz.Digraph whose rendering explains how to install a missing `dot`.

    Made on first use so that graphviz is only imported by drawings. A
    subclass keeps everything graphviz offers (`.source`, Jupyter display,
    `.render`) and only translates the one error a learner cannot decode.
    """
    global _Drawing
    if _Drawing is None:
        import graphviz

        class Drawing(graphviz.Digraph):
            """A graphviz.Digraph; rendering without `dot` says how to install it."""

            def pipe(self, *args, **kwargs):
                try:
                    return super().pipe(*args, **kwargs)
                except graphviz.ExecutableNotFound as error:
                    raise GraphvizNotFoundError() from error

            def render(self, *args, **kwargs):
                try:
                    return super().render(*args, **kwargs)
                except graphviz.ExecutableNotFound as error:
                    raise GraphvizNotFoundError() from error

            def __repr__(self):
                nodes = len(NODE_STATEMENT.findall(self.source))
                return (f"<a drawing of {nodes} Graphviz nodes: it shows itself in Jupyter; elsewhere "
                        f".render('graph', format='svg') writes graph.svg, .pipe(format='svg') gives "
                        f"the SVG bytes, .source the DOT text>")

        _Drawing = Drawing
    return _Drawing


_Drawing = None


class Scene:
    """What a drawing shows, computed from the graph before any Graphviz call.

    `states`, `grads` and `names` are the hook for stepper frames: a state
    name of `FRAME_STATES` per Value, the gradient to print per Value (None
    prints '?') instead of `.grad`, and names to show for unlabelled values.
    """

    def __init__(self, root, rankdir='LR', show_grad=True, highlight=(), groups=None,
                 collapse=False, color_grads=False, max_nodes=400, states=None, grads=None,
                 names=None, title=None):
        if not isinstance(root, Value):
            raise TypeError(f'draw_dot() needs a Value as root, got {type(root).__name__}')
        if rankdir not in RANKDIRS:
            raise ValueError(f'rankdir must be one of {", ".join(RANKDIRS)}, got {rankdir!r}')
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f'max_nodes must be a positive int, got {max_nodes!r}')
        if groups is not None and not hasattr(groups, 'get'):
            raise TypeError(f'groups must be a dict mapping Values to tuples of names, '
                            f'got {type(groups).__name__}')
        if collapse and not groups:
            raise ValueError('collapse=True needs groups= '
                             '(for a model: output, groups = model.forward_with_groups(x))')
        if title is not None and not isinstance(title, str):
            raise TypeError(f'title must be a str, got {type(title).__name__}')
        self.title = title
        self.rankdir = rankdir
        self.show_grad = show_grad
        self.highlight = {highlight} if isinstance(highlight, Value) else set(highlight)
        self.color_grads = color_grads
        self.states = states or {}
        self.grads = grads
        self.names = names or {}
        self.order = topo_order(root)
        self.position = {node: i for i, node in enumerate(self.order)}
        self.groups = {}
        if groups:
            for node in self.order:
                path = groups.get(node)
                if path:
                    if isinstance(path, str):
                        path = (path,)
                    self.groups[node] = tuple(str(name) for name in path)
        self.boxes = self._boxes() if collapse else {}
        self.copies, self.copy_of_edge = self._copies()
        self.use_count = {}
        for node in self.order:
            for parent in node.parents:
                self.use_count[parent] = self.use_count.get(parent, 0) + 1
        if self.copies:
            named = value_names(self.order)
            self.names = {**{node: named[node] for node in self.copies}, **self.names}
        count = self.count_nodes()
        if count > max_nodes:
            values = sum(1 for node in self.order if node not in self.boxes)
            operations = sum(1 for node in self.order if node.parents and node not in self.boxes)
            boxes = len(set(self.boxes.values()))
            parts = f'{values} values, {operations} operations' + (f', {boxes} boxes' if boxes else '')
            raise TooManyNodesError(count, parts, max_nodes,
                f'the graph has {count} nodes to draw ({parts}), more than max_nodes={max_nodes}. '
                f'Draw a part: pass a sub-root (an intermediate Value) instead of the final one, '
                f'pass groups=... (from model.forward_with_groups(x)) with collapse=True to draw one '
                f'box per neuron, or raise max_nodes (1,600 nodes draw in about a second, but are hard to read)'
            )

    # -- what is drawn

    def _boxes(self):
        """Value -> box id, for every node of an innermost group (collapse=True)."""
        box_of_path = {}
        boxes = {}
        for node in self.order:
            path = self.groups.get(node)
            if path:
                boxes[node] = box_of_path.setdefault(path, f'box{len(box_of_path)}')
        return boxes

    def _copies(self):
        """The values drawn next to a use (REUSE_LIMIT, SPAN_LIMIT; none with boxes):
        {value: [(copy id, the node using it), ...]} and {(node, slot): copy id}."""
        if self.boxes:
            return {}, {}
        uses = {}
        rank = {}  # longest path from a leaf: an operation one rank before its value
        for node in self.order:
            rank[node] = 2 + max((rank[parent] for parent in node.parents), default=-2)
            for slot, parent in enumerate(node.parents):
                uses.setdefault(parent, []).append((node, slot))
        copies, copy_of_edge = {}, {}
        for parent, edges in uses.items():
            # A leaf sits right before its first use (Graphviz puts it there too).
            home = rank[parent] if parent.parents else min(rank[node] for node, _ in edges) - 2
            many = len(edges) > REUSE_LIMIT
            for node, slot in edges:
                if many or rank[node] - 1 - home > SPAN_LIMIT:
                    copy_id = f'{self.value_id(parent)}_{len(copies.get(parent, ()))}'
                    copy_of_edge[node, slot] = copy_id
                    copies.setdefault(parent, []).append((copy_id, node))
        return copies, copy_of_edge

    def value_ids(self, node):
        """Every id `node`'s value is drawn under: itself (unless it is a leaf
        drawn only next to its uses), then its copies."""
        copies = [copy_id for copy_id, _ in self.copies.get(node, ())]
        return ([self.value_id(node)] if self.draws_original(node) else []) + copies

    def draws_original(self, node):
        """Whether the value is drawn where it is made: always, but for a leaf
        whose every use has its own copy."""
        copied_everywhere = node in self.copies and len(self.copies[node]) == self.use_count[node]
        return bool(node.parents) or not copied_everywhere

    def count_nodes(self):
        drawn = set(self.boxes.values())
        for node in self.order:
            if node not in self.boxes:
                drawn.add(node)  # the value
                if node.parents:
                    drawn.add((node,))  # its operation
        return len(drawn)

    def value_id(self, node):
        return self.boxes.get(node) or f'v{self.position[node]}'

    def op_id(self, node):
        return self.boxes.get(node) or f'op{self.position[node]}'

    def edges(self):
        """(tail, head, attributes) for every parent edge and op -> value edge.

        Without boxes every `.parents` entry gives its own edge. Between boxes,
        parallel edges are merged into one labelled with their count.
        """
        edges = []
        for node in self.order:
            if not node.parents:
                continue
            operation = self.op_id(node)
            sides = _SIDES.get(node.rule) if len(node.parents) == 2 else None
            into_current = self.states.get(node) == 'current'
            for slot, parent in enumerate(node.parents):
                attributes = {}
                if sides:
                    attributes['taillabel'] = sides[slot]
                if into_current:
                    parent_state = FRAME_STATES.get(self.states.get(parent), {})
                    attributes.update(parent_state.get('edge_to_current', {}))
                tail = self.copy_of_edge.get((node, slot)) or self.value_id(parent)
                weight = self.weight_of_edge(node, parent, tail)
                if weight is not None:
                    attributes.update(self.weight_attributes(weight))
                edges.append((tail, operation, attributes))
            edges.append((operation, self.value_id(node), {}))
        if not self.boxes:
            return edges
        merged = {}
        for tail, head, attributes in edges:
            if tail != head:
                merged.setdefault((tail, head), []).append(attributes)
        result = []
        for (tail, head), copies in merged.items():
            attributes = dict(copies[0])
            attributes.pop('taillabel', None)
            if len(copies) > 1:
                attributes['label'] = f'x{len(copies)}'
            result.append((tail, head, attributes))
        return result

    def weight_of_edge(self, node, parent, tail):
        """The weight an edge between two boxes stands for: `node` multiplies
        `parent` (drawn as another box, `tail`) by a leaf of `node`'s own box."""
        box = self.boxes.get(node)
        if box is None or tail == box or node.rule is not MUL or len(node.parents) != 2:
            return None
        other = node.parents[1] if node.parents[0] is parent else node.parents[0]
        return other if not other.parents and self.boxes.get(other) == box else None

    def weight_attributes(self, weight):
        """A thin line, wider for larger |weight| (0.3 to 2 points, by the square
        root of |w| / the largest |w| drawn), coloured by the weight's sign."""
        if not hasattr(self, '_largest_weight'):
            self._largest_weight = max((abs(w.data) for w in self._box_weights() if math.isfinite(w.data)),
                                       default=0.0)
        largest, w = self._largest_weight, weight.data
        strength = 1.0 if not math.isfinite(w) or not largest else min(1.0, math.sqrt(abs(w) / largest))
        color = PALETTE['value_negative'] if w < 0 else PALETTE['value_positive']
        name = weight.label or self.names.get(weight, 'weight')
        return {'color': color, 'penwidth': f'{0.3 + 1.7 * strength:.2f}', 'arrowsize': '0.4',
                'tooltip': _escape_plain(_label_for_drawing(f'{name} = {number_text(w)}'))}

    def _box_weights(self):
        for node in self.order:
            for parent in node.parents:
                tail = self.value_id(parent)
                weight = self.weight_of_edge(node, parent, tail)
                if weight is not None:
                    yield weight

    def sibling_order(self):
        """{cluster path: box ids to keep in this order}, one list per set of
        sibling groups (the neurons of a layer), sorted by the numbers in the groups'
        names. Without boxes, none: dot loses invisible edges between records
        in different clusters."""
        if not self.boxes:
            return {}
        members = {}
        for node in self.order:
            path = self.groups.get(node)
            if path:
                members.setdefault(path, []).append(node)
        siblings = {}
        for path, nodes in members.items():
            siblings.setdefault(path[:-1], []).append((_natural_key(path[-1]), self.boxes[nodes[0]]))
        return {path: [anchor for _, anchor in sorted(group)] for path, group in siblings.items() if len(group) > 1}

    # -- how it looks

    def grad_of(self, node):
        if self.grads is None:
            return node.grad
        return self.grads.get(node)

    def value_texts(self, node):
        """(data text, grad text) of a value's record; the grad text is None
        without show_grad. A 'not_computed' value shows its data as '?'."""
        if self.states.get(node) == 'not_computed':
            data = 'data ?'
        else:
            data = f'data {number_text(node.data)}'
        if not self.show_grad:
            return data, None
        grad = self.grad_of(node)
        return data, ('grad ?' if grad is None else f'grad {number_text(grad)}')

    def value_attributes(self, node):
        name = node.label or self.names.get(node, '')
        state = self.states.get(node)
        fields = [_escape_record(_label_for_drawing(name))] if name else []
        fields += [text for text in self.value_texts(node) if text is not None]
        record = ' | '.join(fields)
        # In LR drawings a record's fields stack vertically unless wrapped in
        # braces; in TB drawings it is the other way round. Keep them in a row.
        label = '{ ' + record + ' }' if self.rankdir in ('LR', 'RL') else record
        attributes = {'label': label, **STYLE['value']}
        if self.color_grads and self.grad_of(node) is not None:
            attributes['fillcolor'] = self.grad_color(self.grad_of(node))
        attributes.update(FRAME_STATES.get(state, {}).get('value', {}))
        if node in self.highlight:
            attributes.update(STYLE['highlight'])
        return attributes

    def op_attributes(self, node):
        attributes = {'label': _escape_plain(_label_for_drawing(node.op)), **STYLE['operation']}
        attributes.update(FRAME_STATES.get(self.states.get(node), {}).get('operation', {}))
        return attributes

    def box_attributes(self, box, members):
        """One box per collapsed group: its name and its output's data and grad."""
        output = self.group_output(members)
        path = self.groups[members[0]]
        from html import escape

        fields = [escape(_label_for_drawing(path[-1])), f'data {number_text(output.data)}']
        if self.show_grad:
            fields.append(f'grad {number_text(self.grad_of(output) or 0.0)}')
        # An HTML-like table, not a record: dot loses the invisible edges
        # that keep boxes in order when they join records.
        cells = '<vr/>'.join(f'<td>{field}</td>' for field in fields)
        label = f'<<table border="0" cellborder="0" cellpadding="3"><tr>{cells}</tr></table>>'
        attributes = {'label': label, **STYLE['box']}
        if self.color_grads:
            attributes['fillcolor'] = self.grad_color(self.grad_of(output) or 0.0)
        if any(member in self.highlight for member in members):
            attributes.update(STYLE['highlight'])
        return attributes

    @staticmethod
    def group_output(members):
        """The member no other member uses (the last such one in topological order)."""
        member_set = set(members)
        used = {parent for node in members for parent in node.parents if parent in member_set}
        outputs = [node for node in members if node not in used]
        return outputs[-1] if outputs else members[-1]

    def grad_color(self, grad):
        """The palette's zero colour (white) for 0, towards its positive (blue) or
        negative (red) colour by the square root of |grad| / max |grad|, which
        keeps small gradients visible next to a large one."""
        if not hasattr(self, '_largest_grad'):
            magnitudes = [abs(g) for g in (self.grad_of(n) for n in self.order)
                          if g is not None and math.isfinite(g)]
            self._largest_grad = max(magnitudes, default=0.0)
        if grad != grad:
            return PALETTE['nan']  # neither sign
        largest = self._largest_grad
        strength = 1.0 if math.isinf(grad) else (math.sqrt(abs(grad) / largest) if largest else 0.0)
        zero = _rgb(PALETTE['zero'])
        full = _rgb(PALETTE['positive'] if grad > 0 else PALETTE['negative'])
        mixed = (round(low + (high - low) * strength) for low, high in zip(zero, full))
        return '#' + ''.join(f'{channel:02x}' for channel in mixed)

    # -- building the Digraph

    def digraph(self):
        drawing = _digraph_class()(
            graph_attr={'rankdir': self.rankdir, **STYLE['graph'], **(STYLE['boxes_graph'] if self.boxes else {})},
            node_attr=dict(STYLE['node']),
            edge_attr=dict(STYLE['edge']),
        )
        # Every drawn node with the cluster path it belongs to (() = top level).
        placed = []
        members_of_box = {}
        for node in self.order:
            box = self.boxes.get(node)
            if box is not None:
                members_of_box.setdefault(box, []).append(node)
                continue
            path = self.groups.get(node, ())
            attributes = self.value_attributes(node)
            if self.draws_original(node):
                placed.append((path, self.value_id(node), attributes))
            for copy_id, user in self.copies.get(node, ()):
                placed.append((self.groups.get(user, ()), copy_id, attributes))
            if node.parents:
                placed.append((path, self.op_id(node), self.op_attributes(node)))
        for box, members in members_of_box.items():
            # A box sits in the clusters that enclose its group, not in its own.
            placed.append((self.groups[members[0]][:-1], box, self.box_attributes(box, members)))
        # dot orders a rank's nodes to cross few edges (neurons 12-15 came above 0-11); chained
        # by invisible edges in one rank (top level: in a cluster dot turns it round), boxes keep order.
        _emit_clusters(drawing, placed, {(): list(self.sibling_order().values())})
        for tail, head, attributes in self.edges():
            drawing.edge(tail, head, **attributes)
        if self.title is not None:
            drawing.attr(label=_escape_plain(_label_for_drawing(self.title)), labelloc='t',
                         fontsize='14')
        return drawing


def _emit_clusters(drawing, placed, chains=None):
    """Add nodes to `drawing`, nesting them in `subgraph cluster_k` by their
    path; `chains` maps a path to lists of node ids, each kept in one rank in that order."""
    chains = chains or {}

    def add_chain(graph, path):
        for anchors in chains.get(path, ()):
            with graph.subgraph() as rank:
                rank.attr(rank='same')
                for upper, lower in zip(anchors, anchors[1:]):
                    rank.edge(upper, lower, style='invis')

    tree = {}  # path -> (nodes, child paths), in order of first appearance
    for path, node_id, attributes in placed:
        for depth in range(len(path) + 1):
            prefix = path[:depth]
            if prefix not in tree:
                tree[prefix] = ([], [])
                if depth:
                    tree[path[:depth - 1]][1].append(prefix)
        tree[path][0].append((node_id, attributes))
    if () not in tree:
        return
    import graphviz

    cluster_ids = {path: f'cluster_{k}' for k, path in enumerate(p for p in tree if p)}
    # Iterative on purpose, like topo_order: a stack of (graph, path) pairs, children
    # added to their parent when the parent's `with` block would close.
    pending = [(drawing, (), iter(tree[()][1]))]
    for node_id, attributes in tree[()][0]:
        drawing.node(node_id, **attributes)
    add_chain(drawing, ())
    while pending:
        graph, path, children = pending[-1]
        child = next(children, None)
        if child is None:
            pending.pop()
            if pending:
                pending[-1][0].subgraph(graph)
            continue
        cluster = graphviz.Digraph(name=cluster_ids[child])
        cluster.attr(label=_label_for_drawing(child[-1]), fillcolor=_cluster_fill(len(child)), **STYLE['cluster'])
        for node_id, attributes in tree[child][0]:
            cluster.node(node_id, **attributes)
        add_chain(cluster, child)
        pending.append((cluster, child, iter(tree[child][1])))


def _cluster_fill(depth):
    fills = PALETTE['cluster_fills']
    return fills[min(depth, len(fills)) - 1]


def _natural_key(name):
    """'neurons.10' after 'neurons.2': the digits of a name compared as numbers."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', name)]


def _rgb(color):
    """'#4682e6' -> (70, 130, 230)."""
    return tuple(int(color[k:k + 2], 16) for k in (1, 3, 5))


def number_text(x):
    """Four decimals for everyday numbers, scientific notation for tiny or huge ones."""
    if not math.isfinite(x):
        return str(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f'{x:.4f}'
    return f'{x:.3e}'


LABEL_LIMIT = 80
"""Longer labels are cut (with '...') in drawings: Graphviz fails on labels of
some thousands of characters, and no drawing can show them anyway."""


def _label_for_drawing(text):
    """A label Graphviz can draw: control characters (a NUL byte ends Graphviz's
    strings) written as Python writes them ('\\x00'), at most LABEL_LIMIT characters."""
    text = ''.join(repr(char)[1:-1] if not char.isprintable() else char for char in str(text))
    if len(text) > LABEL_LIMIT:
        text = text[:LABEL_LIMIT - 3] + '...'
    return text


def _escape_record(text):
    # Characters that structure a record label, plus the quote.
    for char in '\\{}|<>"':
        text = text.replace(char, '\\' + char)
    return text


def _escape_plain(text):
    return text.replace('\\', '\\\\').replace('"', '\\"')
