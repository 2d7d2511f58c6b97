"""Seeing the graph: drawings, stepping through backprop, and an HTML stepper.

Reading guide. A drawing is made in two steps. `_Scene` walks the graph once
(with `topo_order`) and decides what will be drawn: a record node
`{ label | data | grad }` per value, a small node per operation, one edge per
entry of a node's `._prev` (so `a + a` shows two edges), the clusters of
`groups`, and the boxes of `collapse=True`. `_Scene.digraph()` then turns
that into a `graphviz.Digraph`. Node ids are positions in topological order
(`v3` is the value at position 3, `op3` the operation that made it), so the
same graph always gives the same DOT source.

`backward_steps(root)` is `Value.backward()` cut into pieces: one step per
interior node, in reverse topological order, each saying in words and numbers
how the node's gradient flows into its parents. Every step can be drawn, and
`save_steps_html` / `stepper` put all the drawings behind a slider.

graphviz, ipywidgets and IPython are imported inside the functions that use
them, so `import autograd` stays fast and needs none of them.
"""

import math
import os
import re

from .engine import (
    ADD, ADD_CONST, DIV, DIV_CONST, EXP, LOG, MUL, MUL_CONST, POW, POW_CONST, RDIV_CONST,
    RELU, RPOW_CONST, SIGMOID, TANH, Value, local_derivatives,
)
from ._files import write_atomically
from .graph import topo_order

INSTALL_GRAPHVIZ = (
    'the Graphviz program `dot` was not found on PATH; install Graphviz '
    '(apt-get install graphviz, brew install graphviz, conda install graphviz, '
    'or see https://graphviz.org/download/); the DOT text is still available as .source'
)

RANKDIRS = ('LR', 'TB', 'RL', 'BT')

# Colours. Gradients: blue for positive, red for negative (white for zero).
POSITIVE_RGB = (70, 130, 230)
NEGATIVE_RGB = (225, 75, 60)
HIGHLIGHT_COLOR = '#ff8c00'
GREY = '#b0b0b0'


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz program `dot`, which is not installed."""

    def __init__(self, message=INSTALL_GRAPHVIZ):
        super().__init__(message)


# --------------------------------------------------------------------------
# Drawing


def draw_dot(root, rankdir='LR', show_grad=True, highlight=(), groups=None, collapse=False,
             color_grads=False, max_nodes=400):
    """A `graphviz.Digraph` of everything `root` depends on.

    Each value is a record `{ label | data | grad }` (the label only when it
    has one), each operation its own small node, and every parent edge is
    drawn. `highlight` is a Value or an iterable of Values to outline. `groups` maps
    Values to a tuple of cluster names, outermost first (what
    `model.trace(x)` returns): those nodes are drawn inside nested clusters.
    `collapse=True` draws each innermost group as one box showing its output
    (the node of the group that no other node of the group uses).
    `color_grads=True` fills values by the sign of their gradient (blue +,
    red -), stronger for larger |grad|. More than `max_nodes` drawn nodes
    (values plus operations) raises ValueError instead of hanging Graphviz.

    Render with `.pipe(format='svg')` or `.render(...)`; in Jupyter the result
    displays itself.
    """
    scene = _Scene(root, rankdir=rankdir, show_grad=show_grad, highlight=highlight, groups=groups,
                   collapse=collapse, color_grads=color_grads, max_nodes=max_nodes)
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

        _Drawing = Drawing
    return _Drawing


_Drawing = None


class _Scene:
    """What a drawing shows, computed from the graph before any Graphviz call.

    `styles`, `grads` and `names` let the steppers restyle single nodes: a
    style name per Value ('current', 'updated', 'partial', 'pending',
    'hidden_data'), the gradient to print (None prints '?'), and names to show
    for unlabelled values.
    """

    def __init__(self, root, rankdir='LR', show_grad=True, highlight=(), groups=None,
                 collapse=False, color_grads=False, max_nodes=400, styles=None, grads=None,
                 names=None):
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
            raise ValueError('collapse=True needs groups= (for a model: output, groups = model.trace(x))')
        self.rankdir = rankdir
        self.show_grad = show_grad
        self.highlight = {highlight} if isinstance(highlight, Value) else set(highlight)
        self.color_grads = color_grads
        self.styles = styles or {}
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
        count = self.count_nodes()
        if count > max_nodes:
            values = sum(1 for node in self.order if node not in self.boxes)
            operations = sum(1 for node in self.order if node._prev and node not in self.boxes)
            boxes = len(set(self.boxes.values()))
            parts = f'{values} values, {operations} operations' + (f', {boxes} boxes' if boxes else '')
            raise ValueError(
                f'the graph has {count} nodes to draw ({parts}), more than max_nodes={max_nodes}. '
                f'Draw a part: pass a sub-root (an intermediate Value) instead of the final one, '
                f'pass groups=... (from model.trace(x)) with collapse=True to draw one box per '
                f'neuron, or raise max_nodes (Graphviz gets slow past a few hundred nodes)'
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

    def count_nodes(self):
        drawn = set(self.boxes.values())
        for node in self.order:
            if node not in self.boxes:
                drawn.add(node)  # the value
                if node._prev:
                    drawn.add((node,))  # its operation
        return len(drawn)

    def value_id(self, node):
        return self.boxes.get(node) or f'v{self.position[node]}'

    def op_id(self, node):
        return self.boxes.get(node) or f'op{self.position[node]}'

    def edges(self):
        """(tail, head, attributes) for every parent edge and op -> value edge.

        Without boxes every `._prev` entry gives its own edge. Between boxes,
        parallel edges are merged into one labelled with their count.
        """
        edges = []
        for node in self.order:
            if not node._prev:
                continue
            operation = self.op_id(node)
            two_sided = len(node._prev) == 2 and node._rule in (DIV, POW)
            for slot, parent in enumerate(node._prev):
                attributes = {}
                if two_sided:
                    # Order matters for a / b and a ** b: say which side is which.
                    sides = ('num', 'den') if node._rule is DIV else ('base', 'exp')
                    attributes['taillabel'] = sides[slot]
                style = self.styles.get(node)
                if style == 'current' and self.styles.get(parent) == 'updated':
                    attributes.update(color='#2e8b57', penwidth='2.5')
                edges.append((self.value_id(parent), operation, attributes))
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

    # -- how it looks

    def grad_of(self, node):
        if self.grads is None:
            return node.grad
        return self.grads.get(node)

    def value_attributes(self, node):
        name = node.label or self.names.get(node, '')
        style = self.styles.get(node)
        fields = [_escape_record(name)] if name else []
        fields.append('data ?' if style == 'hidden_data' else f'data {_format_number(node.data)}')
        if self.show_grad:
            grad = self.grad_of(node)
            fields.append('grad ?' if grad is None else f'grad {_format_number(grad)}')
        record = ' | '.join(fields)
        # In LR drawings a record's fields stack vertically unless wrapped in
        # braces; in TB drawings it is the other way round. Keep them in a row.
        label = '{ ' + record + ' }' if self.rankdir in ('LR', 'RL') else record
        attributes = {'label': label, 'shape': 'record', 'style': 'filled', 'fillcolor': 'white'}
        if self.color_grads and self.grad_of(node) is not None:
            attributes['fillcolor'] = self.grad_color(self.grad_of(node))
        attributes.update(_STATE_STYLES.get(style, {}))
        if node in self.highlight:
            attributes.update(color=HIGHLIGHT_COLOR, penwidth='3')
        return attributes

    def op_attributes(self, node):
        attributes = {'label': _escape_plain(node._op), 'shape': 'ellipse', 'style': 'filled',
                      'fillcolor': '#eeeeee', 'fontsize': '10', 'height': '0.3', 'margin': '0.04,0.02'}
        style = self.styles.get(node)
        if style == 'current':
            attributes.update(fillcolor='#ffd966', color='#e69500', penwidth='2.5')
        elif style in ('pending', 'hidden_data'):
            attributes.update(fontcolor=GREY, color=GREY, fillcolor='#f7f7f7')
        return attributes

    def box_attributes(self, box, members):
        """One box per collapsed group: its name and its output's data and grad."""
        output = self.group_output(members)
        path = self.groups[members[0]]
        fields = [_escape_record(path[-1]), f'data {_format_number(output.data)}']
        if self.show_grad:
            fields.append(f'grad {_format_number(self.grad_of(output) or 0.0)}')
        record = ' | '.join(fields)
        label = '{ ' + record + ' }' if self.rankdir in ('LR', 'RL') else record
        attributes = {'label': label, 'shape': 'record', 'style': 'filled,bold', 'fillcolor': '#f3f0ff'}
        if self.color_grads:
            attributes['fillcolor'] = self.grad_color(self.grad_of(output) or 0.0)
        if any(member in self.highlight for member in members):
            attributes.update(color=HIGHLIGHT_COLOR, penwidth='3')
        return attributes

    @staticmethod
    def group_output(members):
        """The member no other member uses (the last such one in topological order)."""
        member_set = set(members)
        used = {parent for node in members for parent in node._prev if parent in member_set}
        outputs = [node for node in members if node not in used]
        return outputs[-1] if outputs else members[-1]

    def grad_color(self, grad):
        """White for 0, towards blue (+) or red (-); the square root of |grad| / max |grad|
        keeps small gradients visible next to a large one."""
        if not hasattr(self, '_largest_grad'):
            magnitudes = [abs(g) for g in (self.grad_of(n) for n in self.order)
                          if g is not None and math.isfinite(g)]
            self._largest_grad = max(magnitudes, default=0.0)
        if grad != grad:
            return '#dddddd'  # NaN: neither sign
        largest = self._largest_grad
        strength = 1.0 if math.isinf(grad) else (math.sqrt(abs(grad) / largest) if largest else 0.0)
        rgb = POSITIVE_RGB if grad > 0 else NEGATIVE_RGB
        mixed = (round(255 + (channel - 255) * strength) for channel in rgb)
        return '#' + ''.join(f'{channel:02x}' for channel in mixed)

    # -- building the Digraph

    def digraph(self):
        drawing = _digraph_class()(
            graph_attr={'rankdir': self.rankdir, 'fontname': 'Helvetica', 'nodesep': '0.25',
                        'ranksep': '0.35'},
            node_attr={'fontname': 'Helvetica', 'fontsize': '11'},
            edge_attr={'arrowsize': '0.7', 'fontname': 'Helvetica', 'fontsize': '9'},
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
            placed.append((path, self.value_id(node), self.value_attributes(node)))
            if node._prev:
                placed.append((path, self.op_id(node), self.op_attributes(node)))
        for box, members in members_of_box.items():
            # A box sits in the clusters that enclose its group, not in its own.
            placed.append((self.groups[members[0]][:-1], box, self.box_attributes(box, members)))
        _emit_clusters(drawing, placed)
        for tail, head, attributes in self.edges():
            drawing.edge(tail, head, **attributes)
        return drawing


_STATE_STYLES = {
    'current': {'fillcolor': '#ffe699', 'color': '#e69500', 'penwidth': '3'},
    'updated': {'fillcolor': '#d4f4d4', 'color': '#2e8b57', 'penwidth': '2.5'},
    'partial': {'style': 'filled,dashed'},
    'pending': {'fontcolor': GREY, 'color': GREY},
    'hidden_data': {'fontcolor': GREY, 'color': GREY},
}


def _emit_clusters(drawing, placed):
    """Add nodes to `drawing`, nesting them in `subgraph cluster_k` by their path."""
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
    while pending:
        graph, path, children = pending[-1]
        child = next(children, None)
        if child is None:
            pending.pop()
            if pending:
                pending[-1][0].subgraph(graph)
            continue
        cluster = graphviz.Digraph(name=cluster_ids[child])
        cluster.attr(label=child[-1], style='rounded,filled', fillcolor=_cluster_fill(len(child)),
                     color='#9a9a9a', fontname='Helvetica', fontsize='10', labeljust='l')
        for node_id, attributes in tree[child][0]:
            cluster.node(node_id, **attributes)
        pending.append((cluster, child, iter(tree[child][1])))


def _cluster_fill(depth):
    return ('#f4f7fb', '#e9eff7', '#dde6f2')[min(depth, 3) - 1]


def _format_number(x):
    """Four decimals for everyday numbers, scientific notation for tiny or huge ones."""
    if not math.isfinite(x):
        return str(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f'{x:.4f}'
    return f'{x:.3e}'


def _escape_record(text):
    # Characters that structure a record label, plus the quote.
    for char in '\\{}|<>"':
        text = text.replace(char, '\\' + char)
    return text


def _escape_plain(text):
    return text.replace('\\', '\\\\').replace('"', '\\"')


# --------------------------------------------------------------------------
# Stepping through the backward pass


# How each primitive reads: its forward formula and, per parent, its local
# derivative d(out)/d(parent) as text (None means 1, written as just out.grad).
# {a}, {b}: parent names; {c}: the constant; {c1}: the constant minus one; {out}: the node.
_RULE_TEXT = {
    ADD: ('{a} + {b}', (None, None)),
    ADD_CONST: ('{a} + {c}', (None,)),
    MUL: ('{a} * {b}', ('{b}.data', '{a}.data')),
    MUL_CONST: ('{a} * {c}', ('{c}',)),
    DIV: ('{a} / {b}', ('(1 / {b}.data)', '(-{out}.data / {b}.data)')),
    DIV_CONST: ('{a} / {c}', ('(1 / {c})',)),
    RDIV_CONST: ('{c} / {a}', ('(-{out}.data / {a}.data)',)),
    POW: ('{a} ** {b}', ('({b}.data * {a}.data**({b}.data - 1))', '(log({a}.data) * {out}.data)')),
    POW_CONST: ('{a} ** {c}', ('({c} * {a}.data**{c1})',)),
    RPOW_CONST: ('{c} ** {a}', ('(log({c}) * {out}.data)',)),
    EXP: ('exp({a})', ('{out}.data',)),
    LOG: ('log({a})', ('(1 / {a}.data)',)),
    TANH: ('tanh({a})', ('(1 - {out}.data**2)',)),
    SIGMOID: ('sigmoid({a})', ('{out}.data * (1 - {out}.data)',)),
    RELU: ('relu({a})', ('({a}.data > 0)',)),
}


class GradUpdate:
    """One parent's share of a backward step: parent.grad += local_grad * upstream.

    `before` and `after` are the parent's grad around this update, `formula`
    the right-hand side in words and `text` the whole line, e.g.
    `a.grad += b.data * out.grad = 2.0 * -1.5 -> -3.0`.
    """

    __slots__ = ('parent', 'name', 'local_grad', 'upstream', 'before', 'after', 'formula', 'text')

    def __init__(self, parent, name, local_grad, upstream, before, after, formula, text):
        self.parent = parent
        self.name = name
        self.local_grad = local_grad
        self.upstream = upstream
        self.before = before
        self.after = after
        self.formula = formula
        self.text = text

    def __repr__(self):
        return f'GradUpdate({self.text!r})'


class BackwardStep:
    """One node's turn in the backward pass.

    `node` is the Value being processed, `name` what the texts call it,
    `grad` the gradient d(root)/d(node) it pushes (final by now: all its
    children came before it), `updates` one `GradUpdate` per parent edge, in
    the order of `node._prev`. `index` counts from 0; `total` is the number of
    steps. `draw()` shows the graph as it is right after this step.
    """

    __slots__ = ('index', 'total', 'node', 'name', 'grad', 'updates', 'expression', '_walk')

    def __init__(self, index, total, node, name, grad, updates, expression, walk):
        self.index = index
        self.total = total
        self.node = node
        self.name = name
        self.grad = grad
        self.updates = updates
        self.expression = expression
        self._walk = walk

    @property
    def text(self):
        header = (f'step {self.index + 1} of {self.total}: {self.name} = {self.expression} '
                  f'pushes {self.name}.grad = {_short(self.grad)} into its parents')
        return '\n'.join([header] + ['  ' + update.text for update in self.updates])

    def draw(self, **options):
        """The graph right after this step: the node highlighted, the parents it
        updated marked green, final grads shown, grads not reached yet as '?'."""
        return self._walk.draw(self.index, **options)

    def __repr__(self):
        return f'BackwardStep({self.index + 1}/{self.total}, {self.name} = {self.expression})'


def draw_step(step, **options):
    """`step.draw(**options)`: a drawing of one backward (or forward) step."""
    return step.draw(**options)


def backward_steps(root):
    """`root.backward()`, one node at a time: yields a `BackwardStep` per node.

    Steps come in reverse topological order, one per interior node (a node an
    operation made). Leaves get no step: they have no parents to push into,
    and their grads are final once their last child's step is done. As in
    `Value.backward()`, when iteration starts the interior grads are set to 0
    and the root's grad is seeded (to 1, or +1 for a leaf root), and the
    actual accumulation is done by each node's rule, so after the last step
    every grad is exactly what `root.backward()` gives.
    """
    if not isinstance(root, Value):
        raise TypeError(f'backward_steps() needs a Value, got {type(root).__name__}')
    return _BackwardWalk(root).steps()


class _BackwardWalk:
    """The state the steps of one backward pass share, for drawing any of them.

    It keeps the gradients right after seeding and the updates of the steps
    done so far, and replays them to draw step k. It holds no reference to
    the steps themselves, so steps and walk form no reference cycle.
    """

    def __init__(self, root):
        self.root = root
        self.order = topo_order(root)
        self.interior = [node for node in self.order if node._prev]
        self.names = _names(self.order)
        self.start_grads = None
        self.history = []  # the updates of each step taken so far

    def steps(self):
        root, interior = self.root, self.interior
        for node in interior:
            node.grad = 0.0
        if root._prev:
            root.grad = 1.0
        else:
            root.grad += 1.0
        self.start_grads = {node: node.grad for node in self.order}
        total = len(interior)
        for index, node in enumerate(reversed(interior)):
            grad = node.grad  # final: every child of node has had its step
            updates = self._updates(node)
            self.history.append(updates)
            yield BackwardStep(index, total, node, self.names[node], grad, updates,
                               _expression(node, self.names), self)

    def _updates(self, node):
        """Apply node's rule (exactly what backward() does) and describe it per parent."""
        names = self.names
        parents = node._prev
        upstream = node.grad
        locals_ = local_derivatives(node)
        before = {parent: parent.grad for parent in parents}
        node._rule.backward(node)
        after = {parent: parent.grad for parent in parents}
        texts = _local_texts(node, names)
        updates = []
        running = dict(before)
        for slot, parent in enumerate(parents):
            is_last_edge_from_parent = parent not in parents[slot + 1:]
            start = running[parent]
            # The rule did the real accumulation; for a parent used twice (a + a)
            # the first line shows the intermediate sum.
            end = after[parent] if is_last_edge_from_parent else start + locals_[slot] * upstream
            running[parent] = end
            name = names[parent]
            local_text = texts[slot]
            if local_text is None:
                formula = f'{names[node]}.grad'
                numbers = _short(upstream)
            else:
                formula = f'{local_text} * {names[node]}.grad'
                numbers = f'{_short(locals_[slot])} * {_short(upstream)}'
            if start == 0.0:
                text = f'{name}.grad += {formula} = {numbers} -> {_short(end)}'
            else:
                text = (f'{name}.grad += {formula} = {numbers} = {_short(end - start)}; '
                        f'{name}.grad: {_short(start)} -> {_short(end)}')
            updates.append(GradUpdate(parent, name, locals_[slot], upstream, start, end, formula, text))
        return tuple(updates)

    def state_after(self, index):
        """Gradients and node states after step `index` (-1: right after seeding)."""
        grads = {node: None for node in self.order}
        grads[self.root] = self.start_grads[self.root]
        remaining = {}
        for node in self.interior:
            for parent in node._prev:
                remaining[parent] = remaining.get(parent, 0) + 1
        styles = {node: 'pending' for node in self.order}
        styles[self.root] = None
        for updates in self.history[:index + 1]:
            for update in updates:
                grads[update.parent] = update.after
                remaining[update.parent] -= 1
                styles[update.parent] = None if remaining[update.parent] == 0 else 'partial'
        if index >= 0:
            current = self.interior[len(self.interior) - 1 - index]
            styles[current] = 'current'
            for update in self.history[index]:
                styles[update.parent] = 'updated'
        return grads, styles

    def draw(self, index, **options):
        grads, styles = self.state_after(index)
        return _Scene(self.root, grads=grads, styles=styles, names=self.names, **options).digraph()

    def start_text(self):
        name = self.names[self.root]
        return (f'start: {name}.grad = 1 (d{name}/d{name} = 1); every other grad is not known yet. '
                f'Then each node, from the output back, pushes its grad into its parents.')


def _names(order):
    """A name for every node, for texts: its label, else v<position> (as the steppers
    draw it). A label that is not a plain name ('x1*w1') is put in parentheses, so
    that `(x1*w1).grad` reads as one thing."""
    names = {}
    for position, node in enumerate(order):
        label = node.label
        if not label:
            names[node] = f'v{position}'
        elif _PLAIN_NAME.fullmatch(label):
            names[node] = label
        else:
            names[node] = f'({label})'
    return names


_PLAIN_NAME = re.compile(r'[^\W\d]\w*(\.\w+)*')


def _placeholders(node, names):
    parents = node._prev
    const = node._const
    return {
        'a': names[parents[0]],
        'b': names[parents[1]] if len(parents) == 2 else '',
        'c': _const_text(const) if const is not None else '',
        'c1': _const_text(const - 1.0) if const is not None else '',
        'out': names[node],
    }


def _local_texts(node, names):
    entry = _RULE_TEXT.get(node._rule)
    if entry is None:  # a rule added to the engine later: still say what happens
        return tuple(f'd{names[node]}/d{names[parent]}' for parent in node._prev)
    fill = _placeholders(node, names)
    return tuple(None if text is None else text.format(**fill) for text in entry[1])


def _expression(node, names):
    entry = _RULE_TEXT.get(node._rule)
    if entry is None:
        return f'{node._op}({", ".join(names[parent] for parent in node._prev)})'
    return entry[0].format(**_placeholders(node, names))


def _const_text(c):
    return str(int(c)) if float(c).is_integer() and abs(c) < 1e15 else repr(float(c))


def _short(x):
    """A float for reading: 6 significant digits, written like Python writes floats."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return repr(float(f'{x:.6g}'))


# --------------------------------------------------------------------------
# Stepping through the forward pass


class ForwardStep:
    """One value appearing in the forward pass (topological order): `node`,
    `name`, `text` (e.g. `v3 = x * w = 2.0 * -3.0 = -6.0`); `draw()` shows the
    values computed so far."""

    __slots__ = ('index', 'total', 'node', 'name', 'text', '_root', '_order', '_names')

    def __init__(self, index, total, node, name, text, root, order, names):
        self.index, self.total, self.node, self.name, self.text = index, total, node, name, text
        self._root, self._order, self._names = root, order, names

    def draw(self, **options):
        styles = {node: 'hidden_data' for node in self._order[self.index + 1:]}
        styles[self.node] = 'current'
        options.setdefault('show_grad', False)
        return _Scene(self._root, styles=styles, names=self._names, **options).digraph()

    def __repr__(self):
        return f'ForwardStep({self.index + 1}/{self.total}, {self.text!r})'


def forward_steps(root):
    """Yields a `ForwardStep` per node in topological order (leaves included):
    the forward pass, value by value. Reads the graph only; changes nothing."""
    if not isinstance(root, Value):
        raise TypeError(f'forward_steps() needs a Value, got {type(root).__name__}')
    order = topo_order(root)
    names = _names(order)
    for index, node in enumerate(order):
        name = names[node]
        if not node._prev:
            text = f'{name} = {_short(node.data)} (an input: a leaf)'
        else:
            expression = _expression(node, names)
            numbers = _expression(node, {**names, **{parent: _short(parent.data) for parent in node._prev}})
            text = f'{name} = {expression} = {numbers} = {_short(node.data)}'
        yield ForwardStep(index, len(order), node, name, f'step {index + 1} of {len(order)}: {text}',
                          root, order, names)


# --------------------------------------------------------------------------
# Steppers: an HTML file, and a widget in Jupyter


def _frames(root, direction, options):
    """(svg, text) per frame. Backward: a start frame, then one per step.

    The backward frames start from zero grads, leaves included (a leaf's grad
    left over from an earlier backward() would show up doubled), and the
    graph's grads are put back as they were afterwards: looking changes nothing.
    """
    if direction == 'backward':
        walk = _BackwardWalk(root)
        saved = {node: node.grad for node in walk.order}
        try:
            for node in walk.order:
                node.grad = 0.0
            frames = [(-1, walk.start_text())]
            frames += [(step.index, step.text) for step in walk.steps()]
        finally:
            for node, grad in saved.items():
                node.grad = grad
        drawings = [(walk.draw(index, **options), text) for index, text in frames]
    elif direction == 'forward':
        drawings = [(step.draw(**options), step.text) for step in forward_steps(root)]
    else:
        raise ValueError(f"direction must be 'backward' or 'forward', got {direction!r}")
    return [(_inline_svg(drawing.pipe(format='svg', encoding='utf-8')), text) for drawing, text in drawings]


def _inline_svg(svg):
    """SVG text ready to sit inside HTML: no XML prolog, no DOCTYPE, no namespace URLs
    (HTML5 knows <svg> by itself, and a file that names no URL cannot fetch one)."""
    start = svg.find('<svg')
    svg = svg[start:] if start >= 0 else svg
    for attribute in (' xmlns="http://www.w3.org/2000/svg"', ' xmlns:xlink="http://www.w3.org/1999/xlink"'):
        svg = svg.replace(attribute, '')
    return svg


_STEPPER_CSS = """
.bl-stepper { font-family: Helvetica, Arial, sans-serif; }
.bl-stepper .controls { display: flex; gap: 0.5em; align-items: center; margin: 0.5em 0; }
.bl-stepper input[type=range] { flex: 1; max-width: 30em; }
.bl-stepper pre { background: #f6f6f6; padding: 0.6em; margin: 0.4em 0; white-space: pre-wrap; }
.bl-stepper svg { max-width: 100%; height: auto; }
"""

# Plain JavaScript, scoped to one stepper so several can share a notebook page.
_STEPPER_JS = """
(function () {
  var box = document.getElementById("%(id)s");
  var frames = box.querySelectorAll(".frame");
  var slider = box.querySelector("input");
  var counter = box.querySelector(".counter");
  var play = box.querySelector(".play");
  var current = 0, timer = null;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) frames[i].style.display = i === current ? "" : "none";
    slider.value = current;
    counter.textContent = (current + 1) + " / " + frames.length;
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = "play"; }
  box.querySelector(".prev").onclick = function () { stop(); show(current - 1); };
  box.querySelector(".next").onclick = function () { stop(); show(current + 1); };
  slider.oninput = function () { stop(); show(Number(slider.value)); };
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (current === frames.length - 1) show(0);
    play.textContent = "pause";
    timer = setInterval(function () {
      if (current === frames.length - 1) stop(); else show(current + 1);
    }, %(interval)d);
  };
  // Arrow keys step through the frames once the stepper has focus (a click on it).
  box.tabIndex = 0;
  box.addEventListener("keydown", function (event) {
    if (event.target === slider) return;  // the slider handles its own arrows
    if (event.key === "ArrowRight") { stop(); show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft") { stop(); show(current - 1); event.preventDefault(); }
  });
  // A link can open a given step: steps.html#step=4
  var wanted = /^#step=(\\d+)$/.exec(window.location.hash);
  show(wanted ? Number(wanted[1]) - 1 : 0);
})();
"""


def _stepper_fragment(frames, interval=1000):
    """The stepper as an HTML fragment: controls, one div per frame, a script."""
    import html
    import uuid

    stepper_id = 'bl-stepper-' + uuid.uuid4().hex[:12]
    parts = [f'<style>{_STEPPER_CSS}</style>', f'<div class="bl-stepper" id="{stepper_id}">',
             '<div class="controls"><button class="prev">&#9664; prev</button>'
             '<button class="play">play</button><button class="next">next &#9654;</button>'
             f'<input type="range" min="0" max="{len(frames) - 1}" value="0" step="1" '
             'aria-label="frame"><span class="counter"></span></div>']
    for svg, text in frames:
        parts.append(f'<div class="frame"><pre>{html.escape(text)}</pre>{svg}</div>')
    parts.append('</div>')
    parts.append('<script>' + _STEPPER_JS % {'id': stepper_id, 'interval': int(interval)} + '</script>')
    return '\n'.join(parts)


def save_steps_html(root, path, direction='backward', interval=1000, **options):
    """Write one self-contained HTML file that steps through backprop (or, with
    direction='forward', the forward pass): every frame's SVG inline, previous /
    next buttons, play, a slider and each step's text. It uses no network, so it
    opens in any browser, offline. The file is written atomically. `options` go
    to the drawings (rankdir, max_nodes, groups, ...). Backprop is shown from
    zero grads and the graph's grads are left as they were. Returns the path."""
    frames = _frames(root, direction, options)
    title = 'backprop, step by step' if direction == 'backward' else 'the forward pass, step by step'
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{title}</title>\n</head>\n<body>\n<h3 style="font-family: Helvetica, Arial, '
            f'sans-serif">{title}</h3>\n{_stepper_fragment(frames, interval)}\n</body>\n</html>\n')
    write_atomically(path, page.encode('utf-8'))
    return path


def stepper(root, direction='backward', interval=1000, **options):
    """Show a stepper in Jupyter: play, previous / next and a slider over the
    frames of `backward_steps(root)` (or of the forward pass). Uses ipywidgets
    when installed, else the same HTML stepper as `save_steps_html`, inline."""
    try:
        from IPython.display import HTML, display
    except ImportError:
        raise ImportError('stepper() shows a widget in Jupyter and needs IPython; outside '
                          'Jupyter use autograd.viz.save_steps_html(root, "steps.html")') from None
    frames = _frames(root, direction, options)
    try:
        import ipywidgets
    except ImportError:
        display(HTML(_stepper_fragment(frames, interval)))
        return None
    display(_stepper_widget(ipywidgets, frames, interval))
    return None


def _stepper_widget(ipywidgets, frames, interval=1000):
    """The ipywidgets stepper: Play and a slider (linked), prev / next, the frame."""
    import html

    last = len(frames) - 1
    play = ipywidgets.Play(value=0, min=0, max=last, step=1, interval=interval, description='play')
    slider = ipywidgets.IntSlider(value=0, min=0, max=last, step=1, description='step',
                                  continuous_update=True)
    ipywidgets.jslink((play, 'value'), (slider, 'value'))
    previous = ipywidgets.Button(description='prev', icon='step-backward')
    following = ipywidgets.Button(description='next', icon='step-forward')
    view = ipywidgets.HTML()

    def show(change=None):
        svg, text = frames[slider.value]
        view.value = f'<pre>{html.escape(text)}</pre>{svg}'

    def move(by):
        slider.value = max(0, min(last, slider.value + by))

    slider.observe(show, names='value')
    previous.on_click(lambda button: move(-1))
    following.on_click(lambda button: move(1))
    show()
    return ipywidgets.VBox([ipywidgets.HBox([play, previous, following, slider]), view])
