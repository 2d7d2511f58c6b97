"""A network for one data point, read off the scalar graph of that point's loss.

    >>> from nn import MLP, losses
    >>> model = MLP(2, [4, 4, 1], seed=0)
    >>> view = network_view(model, [0.5, -1.0], losses.hinge, 1)
    >>> len(view['network']), len(view['network'][0])     # layers, neurons of layer 0
    (3, 4)

For a multi-layer perceptron, the chain rule grouped by layers is the matrix
form of backpropagation. With z^l = W^l a^(l-1) + b^l and a^l = sigma(z^l),
the error of layer l is delta^l = d loss / d z^l, and

    delta^l     = sigma'(z^l) * (W^(l+1))^T delta^(l+1)     (entry by entry)
    dL/dW^l     = delta^l (a^(l-1))^T,     dL/db^l = delta^l.

The engine never forms these matrices: it adds `local derivative * grad`
into each node's parents, one node at a time. This module runs the model
once on the point (as `Value`s), calls `backward()` on the loss, and reads
every number from the nodes of that graph: a neuron's pre-activation z is
the sum node its activation was applied to, its delta is that node's grad,
the row k of (W^(l+1))^T delta^(l+1) is the list of terms `w_jk * delta_j`
that the multiplications of the next layer added into a_k's grad. Nothing
is computed a second way; tests check the numbers against numpy's matrix
form.

`network_view` returns two JSON-ready entries for a front end (see its
docstring): `network`, a list of layers, each a list of neurons, and
`network_point`, what the drawing needs to know about the point. No I/O;
numpy is used (if installed) only for the small heatmaps of each neuron's
output over the input plane.
"""

import math

from autograd.engine import Value, local_derivatives, no_grad

# The heatmap of one neuron: GRID x GRID cells over the input plane.
GRID = 16
# A heatmap cell is one character: the neuron's output divided by the
# largest |output| on the grid, in LEVELS steps from -1 to +1.
ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
LEVELS = 30  # ALPHABET[0] is -scale, ALPHABET[LEVELS] zero, ALPHABET[2 * LEVELS] +scale
ZERO_LEVEL = ALPHABET[LEVELS]
NOT_FINITE = '~'


class GraphShapeError(RuntimeError):
    """The model's graph is not the weighted sum of a `nn.Neuron` that this module reads."""


def network_view(model, x, loss_fn, target, *, extent=None, grid=GRID, focus=None, point=None):
    """The network on data point `x`, with every number read from the graph of its loss.

    `model` is an `nn.MLP`; `loss_fn(outputs, targets)` one of `nn.losses`
    (called with a batch of one: `loss_fn([output], [target])`), so the grads
    are d(this point's loss)/d(node). The parameters' own `.grad` are left
    as they were (they hold a training step's gradients).

    Returns {'network': layers, 'network_point': point}:

    * layers[l][j], neuron j of layer l: `activation` (a = sigma(z)),
      `pre_activation` (z), `delta` (d loss/d z), `output_grad` (d loss/d a),
      `slope` (sigma'(z): the activation node's local derivative), `weights`
      ([{value, grad}] for w[0], w[1], ...), `bias` ({value, grad}),
      `terms` (columns `weight`, `delta`, `product`, entry k for neuron k of
      the next layer: the `w_kj * delta_k` that the chain rule added into
      this neuron's output_grad, so output_grad is their sum; empty for the
      output layer, whose output_grad comes from the loss), `name`, `function` ('relu', ...), and `heatmap` (the
      neuron's output on a grid x grid grid over `extent`, rows from the
      bottom, one character per cell: see `decode_heatmap`) with `scale`
      (the largest |output| on it) when `extent` is given;
      `operations` (see `neuron_operations`) for the neuron in `focus`.
    * point: `index` (= `point`), `x`, `target`, `loss`, `input_grads`
      (d loss/d x), `grid` and `extent` of the heatmaps, `focus`, and
      `vanished` (True when d loss/d every parameter is 0).

    `focus`: None, (layer, neuron): the neuron whose operations are
    included, or 'all'. The operations are about 450 bytes each in JSON,
    2*nin + 1 per neuron: about 300 kB for all of a 2-16-16-1 network, so
    a page asks for the one neuron it opens.
    """
    if len(x) != model.nin:
        raise ValueError(f'the model has {model.nin} inputs, the point has {len(x)}')
    parameters = model.parameters()
    saved = [p.grad for p in parameters]
    inputs = [Value(float(xi), label=f'x{k + 1}') for k, xi in enumerate(x)]
    try:
        for p in parameters:
            p.grad = 0.0
        layers = _forward(model, inputs)
        outputs = [neuron['out'] for neuron in layers[-1]]
        root = loss_fn([outputs[0] if len(outputs) == 1 else outputs], [target])
        root.backward()
        focus = check_focus(focus, [len(layer) for layer in layers])
        network = _read(layers, focus)
        point = {'index': point, 'x': [float(xi) for xi in x], 'target': target,
                 'loss': _finite(root.data), 'input_grads': [_finite(v.grad) for v in inputs],
                 'grid': grid, 'extent': extent, 'focus': focus}
        point['vanished'] = not any(w.grad for w in parameters)
    finally:
        for p, grad in zip(parameters, saved):
            p.grad = grad
    if extent is not None:
        for layer, maps in zip(network, heatmaps(model, extent, grid)):
            for neuron, (scale, cells) in zip(layer, maps):
                neuron['scale'], neuron['heatmap'] = scale, cells
    return {'network': network, 'network_point': point}


def check_focus(focus, sizes):
    """`focus` (None, 'all', or [layer, neuron]) checked against the layer
    sizes (`model.nouts`); raises ValueError naming the sizes."""
    if focus is None or focus == 'all':
        return focus
    if (isinstance(focus, (list, tuple)) and len(focus) == 2
            and all(isinstance(k, int) and not isinstance(k, bool) for k in focus)
            and 0 <= focus[0] < len(sizes) and 0 <= focus[1] < sizes[focus[0]]):
        return [focus[0], focus[1]]
    shown = ', '.join(map(str, sizes))
    raise ValueError(f"focus must be None, 'all' or [layer, neuron] of a network with layers of "
                     f"{shown} neurons, got {str(focus)[:40]}")


def _forward(model, inputs):
    """Run the model neuron by neuron and find, in the graph each neuron
    made, its pre-activation z and its products w[k] * x[k]."""
    layers = []
    h = inputs
    for layer in model.layers:
        found = []
        for neuron in layer.neurons:
            out = neuron(h)
            z = out if neuron.activation == 'linear' else out.parents[0]
            found.append({'neuron': neuron, 'inputs': h, 'out': out, 'z': z,
                          'products': _products(neuron, z)})
        layers.append(found)
        h = [neuron['out'] for neuron in found]
    return layers


def _products(neuron, z):
    """The nodes w[k] * x[k] of `z` = b + w[0]*x[0] + ... (k in order) and the
    partial sums: `nn.Neuron` adds the products to b one at a time, so z is a
    chain of '+' nodes ending at b, each adding one product."""
    products, sums = [], []
    node = z
    while node is not neuron.b:
        parents = node.parents
        if node.rule is None or node.rule.name != '+' or len(parents) != 2:
            raise GraphShapeError(f'expected the weighted sum of {neuron!r} to be a chain of "+" '
                                  f'ending at its bias, found {node.op or "a leaf"!r}')
        sums.append(node)
        node, product = parents
        products.append(product)
    products.reverse()
    sums.reverse()
    if len(products) != neuron.nin or any(p.parents[:1] != (w,) for p, w in zip(products, neuron.w)):
        raise GraphShapeError(f'expected the terms of {neuron!r} to be w[k] * x[k] in order of k')
    return list(zip(products, sums))


def _read(layers, focus):
    """The JSON-ready numbers of every neuron, read from the nodes."""
    network = []
    for depth, found in enumerate(layers):
        following = layers[depth + 1] if depth + 1 < len(layers) else None
        layer = []
        for j, item in enumerate(found):
            neuron, out, z = item['neuron'], item['out'], item['z']
            slope = 1.0 if out is z else local_derivatives(out)[0]
            terms = {'weight': [], 'delta': [], 'product': []}
            if following is not None:
                # a_j feeds product j of every neuron k of the next layer: each
                # adds d(product)/d(a_j) * grad(product) = w_kj * delta_k into a_j.grad.
                for other in following:
                    product = other['products'][j][0]
                    weight = local_derivatives(product)[1]
                    terms['weight'].append(_finite(weight))
                    terms['delta'].append(_finite(product.grad))
                    terms['product'].append(_finite(weight * product.grad))
            name = f'layers.{depth}.neurons.{j}'
            entry = {
                'name': name, 'function': neuron.activation,
                'activation': _finite(out.data), 'pre_activation': _finite(z.data),
                'delta': _finite(z.grad), 'output_grad': _finite(out.grad), 'slope': _finite(slope),
                'weights': [{'value': _finite(w.data), 'grad': _finite(w.grad)} for w in neuron.w],
                'bias': {'value': _finite(neuron.b.data), 'grad': _finite(neuron.b.grad)},
                'terms': terms,
            }
            if focus == 'all' or focus == [depth, j]:
                entry['operations'] = neuron_operations(item, depth)
            layer.append(entry)
        network.append(layer)
    return network


def neuron_operations(item, depth):
    """The operations of one neuron, in the order the forward pass made them.

    Each: `kind` ('product', 'sum', 'activation'), `label` (short: 'w[3] * x[3]'
    style), `name` (full), `op` (the engine's operation), `data`, `grad`,
    `expression` and `derivatives` (the rule's own words, from `Rule.texts`,
    with short labels), and `parents`: [{label, name, data, grad, local,
    contribution}], where `local` is d(this)/d(parent) and `contribution` is
    local * grad, what the chain rule adds into that parent's grad.
    """
    neuron = item['neuron']
    names = {}  # node -> (short label, full name)
    for k, w in enumerate(neuron.w):
        names[w] = (f'w[{k}]', w.label or f'w.{k}')
    names[neuron.b] = ('b', neuron.b.label or 'b')
    for k, xk in enumerate(item['inputs']):
        if depth == 0:
            names[xk] = (f'x[{k}]', f'input x{k + 1}')
        else:
            names[xk] = (f'x[{k}]', f'layers.{depth - 1}.neurons.{k} (its output)')
    operations = []
    for k, (product, partial) in enumerate(item['products']):
        names[product] = (f'w[{k}]*x[{k}]', f'the product w[{k}] * x[{k}]')
        operations.append(_operation('product', product, names))
        label = 'z' if partial is item['z'] else f's[{k}]'
        names[partial] = (label, 'the weighted sum z' if label == 'z' else f'the sum up to term {k}')
        operations.append(_operation('sum', partial, names))
    if item['out'] is not item['z']:
        names[item['out']] = ('a', 'the neuron\'s output a')
        operations.append(_operation('activation', item['out'], names))
    return operations


def _operation(kind, node, names):
    short = lambda v: names.get(v, (v.label or '?',))[0]  # noqa: E731 (a one-line `show`)
    expression, derivatives = node.rule.texts(node, short)
    locals_ = local_derivatives(node)
    parents = [{'label': names.get(parent, ('?', '?'))[0], 'name': names.get(parent, ('?', '?'))[1],
                'data': _finite(parent.data), 'grad': _finite(parent.grad),
                'local': _finite(local), 'contribution': _finite(local * node.grad)}
               for parent, local in zip(node.parents, locals_)]
    label, name = names[node]
    return {'kind': kind, 'label': label, 'name': name, 'op': node.op,
            'data': _finite(node.data), 'grad': _finite(node.grad),
            'expression': expression, 'derivatives': list(derivatives), 'parents': parents}


# --------------------------------------------------------------------------
# Heatmaps: each neuron's output over the input plane


def heatmaps(model, extent, grid=GRID):
    """[(scale, cells)] per neuron, per layer: the neuron's output at the
    centres of a grid x grid grid over `extent` ((x_low, x_high), (y_low,
    y_high)), rows from the bottom, encoded by `encode_heatmap`.

    numpy's matrix form if numpy is installed (one product per layer for
    every cell), else plain floats (nn.playground.view.layer_outputs_floats:
    the engine's own numbers); both give the same numbers up to rounding.
    """
    columns = _grid_outputs(model, extent, grid)
    return [[encode_heatmap(column) for column in layer] for layer in columns]


def _grid_points(extent, grid):
    (x_low, x_high), (y_low, y_high) = extent
    xs = [x_low + (x_high - x_low) * (i + 0.5) / grid for i in range(grid)]
    ys = [y_low + (y_high - y_low) * (j + 0.5) / grid for j in range(grid)]
    return [(x, y) for y in ys for x in xs]


def _grid_outputs(model, extent, grid, use_numpy=None):
    """Per layer, per neuron, the list of its outputs on the grid cells."""
    points = _grid_points(extent, grid)
    if use_numpy is not False:
        try:
            return _grid_outputs_numpy(model, points)
        except ImportError:
            if use_numpy:
                raise
    # Without numpy (in the browser), plain floats: the engine's own numbers, far faster than no_grad.
    from .playground.view import layer_outputs_floats

    return layer_outputs_floats(model, [x for x, _ in points[:grid]], [y for _, y in points[::grid]])


def _grid_outputs_numpy(model, points):
    """Every layer's outputs on the grid, from the matrix form: a list per neuron."""
    from .playground.view import layer_outputs_numpy

    return [h.T.tolist() for h in layer_outputs_numpy(model, points)]


def encode_heatmap(values):
    """(scale, cells): scale = the largest finite |value| (0.0 if none), and
    one character per value, ALPHABET[LEVELS + round(LEVELS * value / scale)]
    (NOT_FINITE for nan or an infinity)."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    scale = max(finite, default=0.0)
    if scale == 0.0:
        return 0.0, ''.join(ZERO_LEVEL if math.isfinite(v) else NOT_FINITE for v in values)
    return scale, ''.join(ALPHABET[LEVELS + round(LEVELS * v / scale)] if math.isfinite(v) else NOT_FINITE
                          for v in values)


def decode_heatmap(scale, cells):
    """The values `encode_heatmap` kept (to 1/LEVELS of the scale); None where not finite."""
    return [None if c == NOT_FINITE else scale * (ALPHABET.index(c) - LEVELS) / LEVELS for c in cells]


# --------------------------------------------------------------------------
# Which point to show


def point_losses(model, X, targets, loss_fn):
    """Each point's own loss, from the scores in matrix form (numpy) or under no_grad."""
    try:
        columns = _grid_outputs_numpy(model, X)[-1]
        scores = [list(row) for row in zip(*columns)]
    except ImportError:
        with no_grad():
            outputs = [model(x) for x in X]
        scores = [[o.data] if isinstance(o, Value) else [v.data for v in o] for o in outputs]
    losses = []
    with no_grad():
        for row, target in zip(scores, targets):
            output = Value(row[0]) if len(row) == 1 else [Value(s) for s in row]
            losses.append(loss_fn([output], [target]).data)
    return losses


def largest_loss_point(model, X, targets, loss_fn):
    """The index of the point of largest loss (the first of equals; nan counts as largest):
    the default point to show, since its gradient is the least likely to be zero."""
    losses = point_losses(model, X, targets, loss_fn)
    return max(range(len(losses)), key=lambda i: math.inf if math.isnan(losses[i]) else losses[i])


def gradient_vanished(view):
    """True when the point's loss has a zero gradient for every weight (a
    hinge loss past its margin, say): then the view has nothing to show."""
    return all(not w['grad'] for layer in view['network'] for neuron in layer for w in neuron['weights'])


def selected_view(model, X, targets, loss_fn, selected, picked, *, extent=None, focus=None):
    """(index, view): the view of point `selected`; but if its gradient
    vanished (training put it past the hinge's margin, say) and the learner
    did not pick it (`picked` False), of the point of largest loss instead
    (unless that one's gradient is zero too: every point past the margin).
    The view's point says `vanished` when its gradient is zero."""
    view = network_view(model, X[selected], loss_fn, targets[selected], extent=extent, focus=focus,
                        point=selected)
    if not picked and gradient_vanished(view):
        best = largest_loss_point(model, X, targets, loss_fn)
        if best != selected:
            other = network_view(model, X[best], loss_fn, targets[best], extent=extent, focus=focus,
                                 point=best)
            if not gradient_vanished(other):  # else every point's is zero: stay where we are
                selected, view = best, other
    return selected, view


def nearest_points(X, x, y, radius):
    """Indices of the points of X within `radius` of (x, y), nearest first:
    points drawn on top of each other can each be picked from the list."""
    near = [(math.hypot(px - x, py - y), i) for i, (px, py) in enumerate(X)]
    return [i for distance, i in sorted(near) if distance <= radius]


def _finite(x):
    """JSON has no NaN or infinity: they become None."""
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None
