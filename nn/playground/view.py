"""What the playground's panels show, computed from a run: the numbers of a state.

`state(playground)` assembles the snapshot a page draws (its keys are listed
in `Playground.state`); the functions below make its parts: the decision
boundary, the statistics of the hidden layers, the parameter table, and one
point's computation graph with its layout. Nothing here changes the run
(the graph's backward pass restores the parameters' grads).
"""

import functools
import json
import math
from dataclasses import asdict, dataclass

from autograd.engine import RELU, SIGMOID, TANH, Value
from autograd.graph import cyclic_gc_paused, topo_order

GRID = 60               # the decision boundary is a GRID x GRID image
# A loss past this has diverged: the datasets' losses start near 1, and only
# weights of about 1e13 and more (an L2 term of 1e-4 * w**2) reach it.
DIVERGED_LOSS = 1e30
MAX_CURVE_POINTS = 400  # the loss and accuracy curves a state carries

# Node boxes and gaps of the graph layout, in the page's pixels.
NODE_WIDTH, NODE_HEIGHT, GAP_X, GAP_Y = 90, 50, 18, 8


def state(playground, full_graph=False):
    """The JSON-serialisable snapshot of everything on show (see `Playground.state`)."""
    history = playground.history
    stride = max(1, math.ceil(len(history.loss) / MAX_CURVE_POINTS))
    kept = range(0, len(history.loss), stride)
    start_loss, start_accuracy = playground.start
    if playground.touched is not None:  # a point or a weight changed by hand since the last step
        start_loss, start_accuracy = playground.touched
    test_loss, test_accuracy = _test_now(playground)
    return {
        'settings': playground.settings.as_json(),
        'step': playground.steps,
        'loss': finite(history.loss[-1] if history.loss and playground.touched is None else start_loss),
        'accuracy': history.accuracy[-1] if history.accuracy and playground.touched is None else start_accuracy,
        'test_loss': finite(test_loss),
        'test_accuracy': test_accuracy,
        'history': {'step': [i + 1 for i in kept],
                    'loss': [finite(history.loss[i]) for i in kept],
                    'accuracy': [history.accuracy[i] for i in kept],
                    'test_loss': [finite(history.val_loss[i]) for i in kept if i < len(history.val_loss)],
                    'test_accuracy': [history.val_accuracy[i] for i in kept if i < len(history.val_accuracy)]},
        'points': {'x': playground.X, 'labels': playground.y, 'classes': playground.classes,
                   'test_x': playground.X_test, 'test_labels': playground.y_test,
                   'version': playground.points.version},
        'boundary': boundary(playground.model, playground.extent),
        'parameters': parameter_table(playground.optimizer, playground.parameter_names),
        'layers': [asdict(stats) for stats in playground.layer_stats],
        'selected': playground.selected,
        'graph': playground.graph(playground.selected, full=full_graph),
        'message': playground.message,
    }


def _test_now(playground):
    """(loss, accuracy) on the test points as the page shows them now: at the
    weights of the last step (its history entry), or as they are after a
    change by hand; (None, None) without test points."""
    if not playground.X_test:
        return None, None
    if playground.touched_test is not None:
        return playground.touched_test
    history = playground.history
    return (history.val_loss[-1], history.val_accuracy[-1]) if history.val_loss else playground.start_test


# --------------------------------------------------------------------------
# The decision boundary


def boundary(model, extent, size=GRID):
    """The predicted class and its confidence on a size x size grid over `extent`.

    Computed from the weights in matrix form with numpy (one matrix
    product per layer for all cells: about a hundred times faster than
    the graph, even under no_grad); without numpy, in plain floats
    (`scores_floats`: the engine's own numbers, slower than numpy but far
    faster than the graph).
    `cells` holds two digits per cell, rows from the bottom: the class
    and the confidence in tenths (0-9), where confidence is tanh(|s|) for
    one score s, and (p - 1/K) / (1 - 1/K) for the largest softmax
    probability p of K outputs.
    """
    (x_low, x_high), (y_low, y_high) = extent
    xs = [x_low + (x_high - x_low) * (i + 0.5) / size for i in range(size)]
    ys = [y_low + (y_high - y_low) * (j + 0.5) / size for j in range(size)]
    try:
        scores = scores_numpy(model, xs, ys)
    except ImportError:  # e.g. in the browser, under Pyodide
        scores = scores_floats(model, xs, ys)
    cells = []
    for row in scores:
        if len(row) == 1:
            s = row[0]
            best, sure = (1 if s > 0 else 0), (math.tanh(abs(s)) if math.isfinite(s) else 0.0)
        else:
            row = [z if math.isfinite(z) else 0.0 for z in row]
            best = max(range(len(row)), key=row.__getitem__)
            total = sum(math.exp(z - row[best]) for z in row)
            k = len(row)
            sure = (1 / total - 1 / k) / (1 - 1 / k)
        cells.append(f'{best}{min(9, int(10 * sure))}')
    return {'size': size, 'x': [x_low, x_high], 'y': [y_low, y_high], 'cells': ''.join(cells)}


def layer_outputs_numpy(model, points):
    """Every layer's outputs at all `points` at once, layer by layer
    h = activation(h W^T + b): one array (points x neurons) per layer."""
    import numpy as np

    h = np.asarray(points, dtype=float)
    found = []
    with np.errstate(over='ignore', invalid='ignore'):
        for layer in model.layers:
            weights = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
            biases = np.array([neuron.b.data for neuron in layer.neurons])
            h = h @ weights.T + biases
            if layer.activation == 'relu':
                h = np.maximum(h, 0.0)
            elif layer.activation == 'tanh':
                h = np.tanh(h)
            elif layer.activation == 'sigmoid':
                h = 1.0 / (1.0 + np.exp(-h))
            found.append(h)
    return found


def scores_numpy(model, xs, ys):
    """The output layer at every grid cell (row j is ys[j]: rows from the bottom)."""
    import numpy as np

    gx, gy = np.meshgrid(np.asarray(xs), np.asarray(ys))
    return layer_outputs_numpy(model, np.stack([gx.ravel(), gy.ravel()], axis=1))[-1].tolist()


def scores_floats(model, xs, ys):
    """The same scores in plain floats, equal bit for bit to the engine's forward pass.

    Each unit is a column over all grid cells, b + w0*h0 + w1*h1 + ...
    added left to right as a Neuron adds them, then its activation's own
    forward (the engine's Rule.forward); about ten times faster than
    calling the model under no_grad, which builds a Value per operation.
    The cost is in the generated comprehension (see `_weighted_sums`).
    """
    return [list(row) for row in zip(*layer_outputs_floats(model, xs, ys)[-1])]


def layer_outputs_floats(model, xs, ys):
    """Per layer, per neuron, its outputs on every cell of the grid xs x ys
    (rows from the bottom), computed as `scores_floats` says."""
    columns = [[x for _ in ys for x in xs], [y for y in ys for _ in xs]]
    layers = []
    for layer in model.layers:
        weighted_sums = _weighted_sums(len(columns))
        activation = _ACTIVATION_FORWARD[layer.activation]
        outputs = []
        for neuron in layer.neurons:
            column = weighted_sums(columns, neuron.b.data, *[w.data for w in neuron.w])
            outputs.append(column if activation is None else list(map(activation, column)))
        layers.append(columns := outputs)
    return layers


_ACTIVATION_FORWARD = {'relu': RELU.forward, 'tanh': TANH.forward, 'sigmoid': SIGMOID.forward, 'linear': None}


@functools.lru_cache(maxsize=None)
def _weighted_sums(width):
    """A function (columns, b, w0, ..., w{width-1}) -> [b + w0*a0 + w1*a1 + ... for each row].

    Generated once per number of inputs, because one comprehension with
    the sum written out runs all of a cell's arithmetic in one bytecode
    loop: measured about twice as fast (CPython and Pyodide) as one C-level
    map per weight, and four times as fast as a sum(map(...)) per cell.
    """
    weights = ', '.join(f'w{i}' for i in range(width))
    inputs = ', '.join(f'a{i}' for i in range(width))
    terms = ' + '.join(['b'] + [f'w{i} * a{i}' for i in range(width)])
    namespace = {}
    exec(f'def weighted_sums(columns, b, {weights}):\n'
         f'    return [{terms} for {inputs}, in zip(*columns)]', namespace)
    return namespace['weighted_sums']


def extent(X, margin=0.5):
    """((x low, x high), (y low, y high)): the data's bounding box plus a margin."""
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    return (min(xs) - margin, max(xs) + margin), (min(ys) - margin, max(ys) + margin)


# --------------------------------------------------------------------------
# The hidden layers and the parameters


@dataclass
class LayerStats:
    """A hidden layer over one step's batch: the mean and standard deviation
    of its outputs and of their gradients, and its flagged units (`flag`
    says why: 'dead' or 'saturated')."""

    name: str
    units: int
    mean: float
    std: float
    grad_mean: float
    grad_std: float
    flag: str
    flagged: list


def layer_stats(name, rows, activation):
    """The LayerStats of a hidden layer's outputs `rows` (one list of Values
    per point, after backward). A unit is dead if its ReLU output is 0 on
    every point, saturated if its tanh is beyond +-0.97 (sigmoid beyond
    0.03/0.97) on at least 90% of points."""
    values = [node.data for row in rows for node in row]
    grads = [node.grad for row in rows for node in row]
    units = len(rows[0]) if rows else 0
    if activation == 'relu':
        label = 'dead'
        flagged = [all(row[u].data == 0.0 for row in rows) for u in range(units)]
    else:
        label = 'saturated'
        low, high = (-0.97, 0.97) if activation == 'tanh' else (0.03, 0.97)
        flagged = [sum(not low < row[u].data < high for row in rows) >= 0.9 * len(rows)
                   for u in range(units)]
    return LayerStats(name, units, finite(_mean(values)), finite(_std(values)),
                      finite(_mean(grads)), finite(_std(grads)),
                      label, [u for u, bad in enumerate(flagged) if bad])


def divergence(loss, parameters):
    """Why the run has diverged (a phrase for a message), or None if it has not:
    a loss that is not finite or above DIVERGED_LOSS, or a weight that is not finite."""
    if not math.isfinite(loss) or loss > DIVERGED_LOSS:
        return f'the loss became {loss:.3g}'
    for p in parameters:
        if not math.isfinite(p.data):
            return f'a weight became {p.data}'
    return None


def parameter_table(optimizer, names):
    """Columns name, value, grad, and the optimizer's m and v (Adam's moments,
    SGD's velocity as m; None where it keeps none)."""
    first = getattr(optimizer, 'mean', None) or getattr(optimizer, 'velocity', None)
    second = getattr(optimizer, 'variance', None)
    params = optimizer.params
    # Columns rather than one object per parameter: a third of the bytes.
    return {'name': names,
            'value': [finite(p.data) for p in params],
            'grad': [finite(p.grad) for p in params],
            'm': [finite(x) for x in first] if first else None,
            'v': [finite(x) for x in second] if second else None}


def _mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def _std(xs):
    """The population standard deviation in IEEE arithmetic, as the engine's:
    inf past the float range, nan from a nan or an infinity among `xs`, never
    an exception (`d * d` overflows to inf where Python's `d ** 2` raises)."""
    if not xs:
        return 0.0
    mu = _mean(xs)
    return math.sqrt(sum((x - mu) * (x - mu) for x in xs) / len(xs))


# --------------------------------------------------------------------------
# One point's graph


def point_graph(model, point, loss_fn, target, full=False):
    """The graph of one point's loss, with data and grad on every node: its
    nodes and edges (see `Playground.graph`), not yet laid out. The
    parameters' grads are left as they were."""
    inputs = [Value(xi, label=f'x{k + 1}') for k, xi in enumerate(point)]
    parameters = model.parameters()
    saved = [p.grad for p in parameters]
    try:
        with cyclic_gc_paused():  # as a training step: the graph is freed by reference counting
            output, groups = model.forward_with_groups(inputs)
            root = loss_fn([output], [target])
            root.label = 'loss'
            root.backward()
            order = topo_order(root)
            if full:
                groups = {}
            else:  # the operations of the loss make one more box
                groups.update((node, ('loss',)) for node in order if node.parents and node not in groups)
            return graph_parts(order, groups, parameters)
    finally:
        for p, grad in zip(parameters, saved):
            p.grad = grad


def graph_parts(order, groups, parameters):
    """Nodes and edges of a graph to draw; each innermost group becomes one node.

    A neuron's node shows its output (the member no other member uses), as
    draw_dot(collapse=True) does. Parallel edges are merged, with a count.
    """
    parameter_ids = {id(p) for p in parameters}
    box_of = {}
    members = {}
    for node in order:
        path = groups.get(node)
        if path:
            box_of[node] = path[-1]
            members.setdefault(path[-1], []).append(node)
    index_of = {}   # drawn key -> index in nodes
    nodes = []

    def key_of(node):
        return ('box', box_of[node]) if node in box_of else ('node', id(node))

    for node in order:
        key = key_of(node)
        if key in index_of:
            continue
        index_of[key] = len(nodes)
        if key[0] == 'box':
            group = members[key[1]]
            inside = set(group)
            used = {parent for member in group for parent in member.parents if parent in inside}
            outputs = [member for member in group if member not in used]
            out = outputs[-1] if outputs else group[-1]
            nodes.append({'id': len(nodes), 'label': _short_name(key[1]), 'name': key[1],
                          'op': out.op if out.parents else '', 'kind': 'neuron',
                          'data': finite(out.data), 'grad': finite(out.grad)})
        else:
            kind = 'op' if node.parents else ('parameter' if id(node) in parameter_ids else 'input')
            nodes.append({'id': len(nodes), 'label': node.label, 'name': node.label,
                          'op': node.op if node.parents else '', 'kind': kind,
                          'data': finite(node.data), 'grad': finite(node.grad)})
    counts = {}
    for node in order:
        head = index_of[key_of(node)]
        for parent in node.parents:
            tail = index_of[key_of(parent)]
            if tail != head:
                counts[(tail, head)] = counts.get((tail, head), 0) + 1
    return nodes, [[tail, head, count] for (tail, head), count in counts.items()]


def _short_name(path):
    """'layers.1.neurons.3' -> 'L1 N3' (the full name goes in a tooltip)."""
    parts = path.split('.')
    if len(parts) == 4 and parts[0] == 'layers' and parts[2] == 'neurons':
        return f'L{parts[1]} N{parts[3]}'
    return path


def layered_layout(count, edges):
    """Positions for a left-to-right drawing: a node's column is its longest
    path from a source (a leaf sits just before its first user); within a
    column nodes are ordered by the mean row of their parents. Returns
    ([(x, y)], width, height), x and y the top-left corners."""
    parents = [[] for _ in range(count)]
    children = [[] for _ in range(count)]
    for tail, head, _ in edges:
        parents[head].append(tail)
        children[tail].append(head)
    column = [0] * count
    waiting = [len(parents[i]) for i in range(count)]
    ready = [i for i in range(count) if not waiting[i]]
    while ready:  # Kahn's order: a box's first member may come before its inputs
        i = ready.pop()
        for c in children[i]:
            column[c] = max(column[c], column[i] + 1)
            waiting[c] -= 1
            if not waiting[c]:
                ready.append(c)
    for i in range(count):
        if not parents[i] and children[i]:
            column[i] = max(0, min(column[c] for c in children[i]) - 1)
    columns = {}
    for i in range(count):
        columns.setdefault(column[i], []).append(i)
    row = [0.0] * count
    for c in sorted(columns):
        members = columns[c]
        members.sort(key=lambda i: (_mean([row[p] for p in parents[i]]) if parents[i] else -1, i))
        for r, i in enumerate(members):
            row[i] = r
    tallest = max((len(m) for m in columns.values()), default=1)
    height = tallest * (NODE_HEIGHT + GAP_Y) - GAP_Y
    positions = [None] * count
    for c, members in columns.items():
        top = (height - (len(members) * (NODE_HEIGHT + GAP_Y) - GAP_Y)) / 2
        for r, i in enumerate(members):
            positions[i] = (c * (NODE_WIDTH + GAP_X), round(top + r * (NODE_HEIGHT + GAP_Y), 1))
    width = (max(columns, default=0) + 1) * (NODE_WIDTH + GAP_X) - GAP_X
    return positions, width, height


# --------------------------------------------------------------------------
# Numbers for JSON


def finite(x):
    """JSON has no NaN or infinity: they become None (the page shows 'n/a')."""
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def rounded(state):
    """A copy with floats to 4 significant digits: recorded frames stay small."""
    return json.loads(json.dumps(state), parse_float=lambda text: float(f'{float(text):.4g}'))
