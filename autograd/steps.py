"""Backprop and the forward pass, one node at a time, as records.

`backward_steps(root)` is `Value.backward()` cut into pieces: one
`BackwardStep` per interior node, in reverse topological order, each saying in
words and numbers how the node's gradient flows into its parents (one
`GradUpdate` per parent edge: parent.grad += local derivative * out.grad).
`forward_steps(root)` yields a `ForwardStep` per node in topological order.
Every step can be drawn (`step.draw()`, through autograd/stepper.py's frames,
imported only then); this module holds no drawing code. autograd/stepper.py
puts the steps behind a slider.
"""

import math

from .engine import Value, begin_backward, local_derivatives
from .graph import topo_order, value_names


class GradUpdate:
    """One parent's share of a backward step: parent.grad += local_derivative * out_grad.

    `local_derivative` is d(out)/d(parent) and `out_grad` the gradient
    d(root)/d(out) of the node being processed. `before` and `after` are the
    parent's grad around this update, `formula` the right-hand side in words
    and `text` the whole line, e.g.
    `a.grad += b.data * out.grad = 2.0 * -1.5 -> -3.0`.
    """

    __slots__ = ('parent', 'name', 'local_derivative', 'out_grad', 'before', 'after', 'formula', 'text')

    def __init__(self, parent, name, local_derivative, out_grad, before, after, formula, text):
        self.parent = parent
        self.name = name
        self.local_derivative = local_derivative
        self.out_grad = out_grad
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
    the order of `node.parents`. `index` counts from 0; `total` is the number of
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
        self.interior = None  # set by steps(), from begin_backward
        self.names = value_names(self.order)
        self.start_grads = None
        self.history = []  # the updates of each step taken so far

    def steps(self):
        interior = self.interior = begin_backward(self.root)
        self.start_grads = {node: node.grad for node in self.order}
        total = len(interior)
        for index, node in enumerate(reversed(interior)):
            grad = node.grad  # final: every child of node has had its step
            updates = self._updates(node)
            self.history.append(updates)
            expression = node.rule.texts(node, self.names.__getitem__)[0]
            yield BackwardStep(index, total, node, self.names[node], grad, updates, expression, self)

    def _updates(self, node):
        """Apply node's rule (exactly what backward() does) and describe it per parent."""
        names = self.names
        parents = node.parents
        out_grad = node.grad
        local = local_derivatives(node)
        before = {parent: parent.grad for parent in parents}
        node.rule.backward(node)
        after = {parent: parent.grad for parent in parents}
        texts = node.rule.texts(node, lambda value: f'{names[value]}.data')[1]
        updates = []
        running = dict(before)
        for slot, parent in enumerate(parents):
            is_last_edge_from_parent = parent not in parents[slot + 1:]
            start = running[parent]
            # The rule did the real accumulation; for a parent used twice (a + a)
            # the first line shows the intermediate sum.
            end = after[parent] if is_last_edge_from_parent else start + local[slot] * out_grad
            running[parent] = end
            name = names[parent]
            local_text = texts[slot]
            if local_text == '1':  # d(out)/d(parent) is exactly one: the grad passes on as it is
                formula = f'{names[node]}.grad'
                numbers = _short(out_grad)
            else:
                formula = f'{local_text} * {names[node]}.grad'
                numbers = f'{_short(local[slot])} * {_short(out_grad)}'
            if start == 0.0:
                text = f'{name}.grad += {formula} = {numbers} -> {_short(end)}'
            else:
                text = (f'{name}.grad += {formula} = {numbers} = {_short(end - start)}; '
                        f'{name}.grad: {_short(start)} -> {_short(end)}')
            updates.append(GradUpdate(parent, name, local[slot], out_grad, start, end, formula, text))
        return tuple(updates)

    def state_after(self, index):
        """Gradients and frame states (see draw.FRAME_STATES) after step `index`
        (-1: right after seeding)."""
        grads = {node: None for node in self.order}
        grads[self.root] = self.start_grads[self.root]
        remaining = {}
        for node in self.interior:
            for parent in node.parents:
                remaining[parent] = remaining.get(parent, 0) + 1
        states = {node: 'pending' for node in self.order}
        states[self.root] = None
        for updates in self.history[:index + 1]:
            for update in updates:
                grads[update.parent] = update.after
                remaining[update.parent] -= 1
                states[update.parent] = None if remaining[update.parent] == 0 else 'partial'
        if index >= 0:
            current = self.interior[len(self.interior) - 1 - index]
            states[current] = 'current'
            for update in self.history[index]:
                states[update.parent] = 'updated'
        return grads, states

    def draw(self, index, **options):
        from .stepper import draw_frame  # graphviz is a heavy import: only when drawing

        grads, states = self.state_after(index)
        return draw_frame(self.root, states, grads=grads, names=self.names, **options)

    def start_text(self):
        name = self.names[self.root]
        return (f'start: {name}.grad = 1 (d{name}/d{name} = 1); every other grad is not known yet. '
                f'Then each node, from the output back, pushes its grad into its parents.')


def _short(x):
    """A float for reading: 6 significant digits, written like Python writes floats."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return repr(float(f'{x:.6g}'))


# --------------------------------------------------------------------------
# The forward pass


class ForwardStep:
    """One value appearing in the forward pass (topological order): `node`,
    `name`, `text` (e.g. `v3 = x * w = 2.0 * -3.0 = -6.0`); `draw()` shows the
    values computed so far."""

    __slots__ = ('index', 'total', 'node', 'name', 'text', '_root', '_order', '_names')

    def __init__(self, index, total, node, name, text, root, order, names):
        self.index, self.total, self.node, self.name, self.text = index, total, node, name, text
        self._root, self._order, self._names = root, order, names

    def draw(self, **options):
        states = {node: 'not_computed' for node in self._order[self.index + 1:]}
        states[self.node] = 'current'
        options.setdefault('show_grad', False)
        from .stepper import draw_frame  # graphviz is a heavy import: only when drawing

        return draw_frame(self._root, states, names=self._names, **options)

    def __repr__(self):
        return f'ForwardStep({self.index + 1}/{self.total}, {self.text!r})'


def forward_steps(root):
    """Yields a `ForwardStep` per node in topological order (leaves included):
    the forward pass, value by value. Reads the graph only; changes nothing."""
    if not isinstance(root, Value):
        raise TypeError(f'forward_steps() needs a Value, got {type(root).__name__}')
    order = topo_order(root)
    names = value_names(order)
    for index, node in enumerate(order):
        name = names[node]
        if not node.parents:
            text = f'{name} = {_short(node.data)} (an input: a leaf)'
        else:
            expression = node.rule.texts(node, names.__getitem__)[0]
            numbers = node.rule.texts(node, lambda value: _short(value.data))[0]
            text = f'{name} = {expression} = {numbers} = {_short(node.data)}'
        yield ForwardStep(index, len(order), node, name, f'step {index + 1} of {len(order)}: {text}',
                          root, order, names)
