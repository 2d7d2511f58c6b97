"""The playground: watch a network learn, live.

    >>> pg = Playground()              # two moons, MLP(2, [16, 16, 1]), hinge loss, Adam 0.05
    >>> loss = pg.step(10)             # ten training steps; the loss of the last one
    >>> pg.state()['step']
    10

In Jupyter a `Playground` shows itself as a live widget; `python -m nn
playground` serves the same front end (autograd/web/playground.js) to a
browser; `save_html(path)` writes the recorded frames of a run as one page
that opens from disk.

A training step is nn's own: the model's forward pass on the batch, the
named loss plus the L2 penalty of `python -m nn train`, `backward()`, and
the optimizer's `step()`. The playground adds only what the panels need:
the hidden layers' outputs (for their statistics), the decision boundary
(from the weights in matrix form), and one point's computation graph.

Front end and Python talk through two JSON shapes, the same in the widget
and over HTTP:

* a command, page -> Python: `{"action": "play" | "pause" | "step" |
  "reset" | "select" | "configure" | "graph" | "focus", ...}` with `"index": i` for
  select, `"neuron": [layer, index]` or null for focus, `"settings": {name: value}` for configure, `"full": bool` for graph;
* a reply, Python -> page: `{"ok": true}` or `{"ok": false, "error": text}`,
  and the state (`Playground.state()` plus `"running"`) whenever it changes.

Python never evaluates what the page sends: every setting is checked
against a fixed list of names, types and ranges (`check_settings`).
"""

import gc
import json
import math
import random
import sys
import threading
import time
from numbers import Real

from autograd.engine import Value, no_grad
from autograd.graph import cyclic_gc_paused, topo_order

from . import datasets as _datasets
from . import losses as _losses
from . import optim as _optim
from .module import MLP
from .network import check_focus, largest_loss_point, selected_view  # network view
from .network_web import inline_into, web_text as network_web_text  # network view
from .train import _loss_and_targets, _regularised, predicted_class

DEFAULTS = {'dataset': 'moons', 'hidden': (16, 16), 'activation': 'relu', 'loss': 'hinge',
            'optimizer': 'adam', 'lr': 0.05, 'batch_size': None, 'n': 100, 'noise': 0.1, 'seed': 0}

# Limits that keep one step well under a second on a laptop; a setting
# outside them is refused with a message, never clipped silently.
MAX_NEURONS = 64
MAX_LAYERS = 4
MAX_POINTS = 500
MAX_LR = 10.0
MAX_NOISE = 2.0
ACTIVATIONS = ('relu', 'tanh', 'sigmoid')
L2 = 1e-4               # the weight of the L2 penalty, as `python -m nn train`
GRID = 60               # the decision boundary is a GRID x GRID image
MAX_FRAMES = 100        # frames kept for save_html; older ones are thinned out
MAX_CURVE_POINTS = 400  # the loss and accuracy curves a state carries

# Settings after which the data or the network is new: the run starts over.
_RESETTING = ('dataset', 'hidden', 'activation', 'loss', 'optimizer', 'n', 'noise', 'seed')


class SettingsError(ValueError):
    """A setting the playground refuses; the message names the setting and the accepted range."""


def check_settings(changes, current=None):
    """The full settings after applying `changes` to `current` (the defaults if None).

    Every value is checked; text from a web form is accepted where a number
    is expected ('0.05', '16,16'). Raises SettingsError naming the first bad
    setting; `current` is never modified. A two-class loss (hinge, bce) on
    a dataset of more classes becomes cross_entropy unless the same call
    asked for it explicitly.
    """
    if not isinstance(changes, dict):
        raise SettingsError(f'settings must be a mapping of names to values, got {type(changes).__name__}')
    unknown = sorted(str(name) for name in changes if name not in DEFAULTS)
    if unknown:
        raise SettingsError(f'unknown setting {unknown[0]!r}; the settings are {", ".join(DEFAULTS)}')
    settings = dict(DEFAULTS if current is None else current)
    settings.update(changes)
    settings['dataset'] = _choice('dataset', settings['dataset'], sorted(_datasets.DATASETS))
    settings['activation'] = _choice('activation', settings['activation'], ACTIVATIONS)
    settings['loss'] = _choice('loss', settings['loss'], list(_losses.LOSSES))
    settings['optimizer'] = _choice('optimizer', settings['optimizer'], sorted(_optim.OPTIMIZERS))
    settings['hidden'] = _hidden(settings['hidden'])
    settings['lr'] = _number('learning rate', settings['lr'], 0.0, MAX_LR, low_open=True)
    settings['n'] = _integer('n (number of points)', settings['n'], 10, MAX_POINTS)
    if settings['noise'] is not None:
        settings['noise'] = _number('noise', settings['noise'], 0.0, MAX_NOISE)
    settings['seed'] = _integer('seed', settings['seed'], 0, 2**31 - 1)
    if settings['batch_size'] in (None, '', 'all'):
        settings['batch_size'] = None
    else:
        settings['batch_size'] = _integer('batch size', settings['batch_size'], 1, settings['n'])
    if _classes(settings['dataset']) > 2 and settings['loss'] in ('hinge', 'bce'):
        if 'loss' in changes:
            raise SettingsError(f"loss {settings['loss']!r} is for two classes, but "
                                f"{settings['dataset']} has {_classes(settings['dataset'])}; "
                                f"use cross_entropy or mse")
        settings['loss'] = 'cross_entropy'
    return settings


class Playground:
    """A network training on a toy dataset, one step at a time, with everything on show.

    `step(k)` trains, `reset()` starts over from the same seed,
    `configure(**settings)` changes settings (the dataset or architecture
    starts the run over; the learning rate and batch size apply from the
    next step), `select(i)` picks the point whose graph `state()` shows.
    A Playground is safe to drive from several threads (one lock).
    """

    def __init__(self, dataset='moons', hidden=(16, 16), activation='relu', loss='hinge',
                 optimizer='adam', lr=0.05, batch_size=None, n=100, noise=0.1, seed=0):
        self._lock = threading.RLock()
        given = dict(dataset=dataset, hidden=hidden, activation=activation, loss=loss,
                     optimizer=optimizer, lr=lr, batch_size=batch_size, n=n, noise=noise, seed=seed)
        # Only what differs from the defaults counts as asked for: the default
        # hinge loss on three spirals becomes cross_entropy (see check_settings).
        self.settings = check_settings({name: value for name, value in given.items()
                                        if value != DEFAULTS[name]})
        self._widget = None
        self._observers = []  # called after every change (the widget and the server listen)
        self.reset()

    # -- driving it

    def reset(self):
        """Start over: the same data, fresh weights from the seed, step 0."""
        with self._lock:
            s = self.settings
            options = {'n': s['n'], 'seed': s['seed']}
            if s['noise'] is not None:
                options['noise'] = s['noise']
            self.X, self.y = _datasets.load(s['dataset'], **options)
            self.classes = _classes(s['dataset'])
            outputs = _losses.num_outputs(s['loss'], self.classes)
            self.model = MLP(2, [*s['hidden'], outputs], s['activation'], seed=s['seed'])
            self._loss_fn, self._targets = _loss_and_targets(s['loss'], self.y, self.model)
            self.optimizer = _optim.OPTIMIZERS[s['optimizer']](self.model.parameters(), lr=s['lr'])
            self._names = [name for name, _ in self.model.named_parameters()]
            self._rng = random.Random(s['seed'])
            self.steps = 0
            self.history = {'loss': [], 'accuracy': []}
            self.layer_stats = []
            # network view: the point of largest loss until the learner picks one
            self.selected = largest_loss_point(self.model, self.X, self._targets, self._loss_fn)
            self.picked, self.network_focus = False, None
            self.message = None
            self._extent = _extent(self.X)
            self._layout_cache = {}
            self._state_cache = None
            self._frames, self._stride = [], 1
            self._start = self._evaluate()
            self._record()
        self._notify()

    def step(self, k=1):
        """Train `k` steps; return the loss of the last one (None for k=0).

        A step whose loss is not finite stops the loop and sets `message`
        (the weights it produced are kept, so the page can show them).
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f'k must be a number of steps >= 0, got {k!r}')
        loss = None
        for _ in range(k):
            with self._lock:
                loss = self._train_step()
                if self.steps % self._stride == 0:
                    self._record()
                diverged = not math.isfinite(loss)
                if diverged:
                    self.message = (f'training diverged at step {self.steps} (the loss became '
                                    f'{loss}); lower the learning rate and press Reset')
                    self._state_cache = None
            self._notify()
            if diverged:
                break
        return loss

    def configure(self, **settings):
        """Change settings (names as in the constructor). Raises SettingsError
        and changes nothing if any is invalid. Returns True if the run started over."""
        with self._lock:
            new = check_settings(settings, self.settings)
            changed = {name for name in new if new[name] != self.settings[name]}
            self.settings = new
            if changed & set(_RESETTING):
                self.reset()
                return True
            if 'lr' in changed:
                self.optimizer.schedule = new['lr']
            self._state_cache = None
        self._notify()
        return False

    def select(self, index):
        """Show the graph of point `index` (0 <= index < n)."""
        with self._lock:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.X):
                raise SettingsError(f'point index must be an int from 0 to {len(self.X) - 1}, got {index!r}')
            self.selected = index
            self.picked = True  # network view: kept even when its gradient vanishes
            self._state_cache = None
        self._notify()

    def focus(self, neuron):
        """Open neuron [layer, index] in the network view (None closes it). network view"""
        with self._lock:
            try:
                self.network_focus = check_focus(neuron, self.model.nouts)
            except ValueError as error:
                raise SettingsError(str(error)) from None
            self._state_cache = None
        self._notify()

    # -- looking at it

    def state(self, full_graph=False):
        """A JSON-serialisable snapshot of everything on show (see the module docstring).

        Keys: settings, step, loss, accuracy (of the last step's batch,
        before its update; at step 0 of the whole dataset), history {loss, accuracy}
        (thinned to at most MAX_CURVE_POINTS, with their step numbers),
        points {x, labels, classes}, boundary (a GRID x GRID image: predicted
        class and confidence per cell, rows from the bottom), parameters
        (columns name, value, grad, and the optimizer's m and v: Adam's
        moments, SGD's velocity as m), layers (statistics
        of each hidden layer's outputs and their gradients in the last
        step), selected, graph (the selected point's graph: nodes with
        data, grad, op and label, edges, and their layout), message,
        network and network_point (the selected point's network, read from
        its graph: nn/network.py). Numbers that are not finite become None.
        """
        with self._lock:
            key = (self.steps, self.selected, bool(full_graph), str(self.network_focus))
            if self._state_cache is not None and self._state_cache[0] == key:
                return self._state_cache[1]
            # network view (nn/network.py): may choose another point, so before 'selected'
            self.selected, network = selected_view(self.model, self.X, self._targets, self._loss_fn,
                                                   self.selected, self.picked, extent=self._extent,
                                                   focus=self.network_focus)
            history = self.history
            stride = max(1, math.ceil(len(history['loss']) / MAX_CURVE_POINTS))
            kept = range(0, len(history['loss']), stride)
            state = {
                'settings': {**self.settings, 'hidden': list(self.settings['hidden'])},
                'step': self.steps,
                'loss': _finite(history['loss'][-1] if history['loss'] else self._start[0]),
                'accuracy': history['accuracy'][-1] if history['accuracy'] else self._start[1],
                'history': {'step': [i + 1 for i in kept],
                            'loss': [_finite(history['loss'][i]) for i in kept],
                            'accuracy': [history['accuracy'][i] for i in kept]},
                'points': {'x': self.X, 'labels': self.y, 'classes': self.classes},
                'boundary': self.boundary(),
                'parameters': self._parameters(),
                'layers': self.layer_stats,
                'selected': self.selected,
                'graph': self.graph(self.selected, full=full_graph),
                'message': self.message,
                **network,  # network view: 'network' and 'network_point'
            }
            self._state_cache = (key, state)
            return state

    def boundary(self, size=GRID):
        """The predicted class and its confidence on a size x size grid over the data.

        Computed from the weights in matrix form with numpy (one matrix
        product per layer for all cells: about a hundred times faster than
        the graph, even under no_grad); without numpy, under no_grad.
        `cells` holds two digits per cell, rows from the bottom: the class
        and the confidence in tenths (0-9), where confidence is tanh(|s|) for
        one score s, and (p - 1/K) / (1 - 1/K) for the largest softmax
        probability p of K outputs.
        """
        with self._lock:
            (x_low, x_high), (y_low, y_high) = self._extent
            xs = [x_low + (x_high - x_low) * (i + 0.5) / size for i in range(size)]
            ys = [y_low + (y_high - y_low) * (j + 0.5) / size for j in range(size)]
            try:
                scores = _scores_numpy(self.model, xs, ys)
            except ImportError:
                scores = _scores_no_grad(self.model, xs, ys)
            cells = []
            for row in scores:
                if len(row) == 1:
                    s = row[0]
                    best, sure = (1 if s > 0 else 0), (math.tanh(abs(s)) if math.isfinite(s) else 0.0)
                else:
                    finite = [z if math.isfinite(z) else 0.0 for z in row]
                    best = max(range(len(finite)), key=finite.__getitem__)
                    total = sum(math.exp(z - finite[best]) for z in finite)
                    k = len(finite)
                    sure = (1 / total - 1 / k) / (1 - 1 / k)
                cells.append(f'{best}{min(9, int(10 * sure))}')
            return {'size': size, 'x': [x_low, x_high], 'y': [y_low, y_high], 'cells': ''.join(cells)}

    def graph(self, index=None, full=False):
        """The computation graph of one point's loss, with data and grad on every node.

        The root is the loss of point `index` alone (default: the selected
        one) and each grad is d(that loss)/d(node); the parameters' own
        grads (those of the last training step) are left as they were.
        By default each neuron is one node (its output's data and grad), as
        `draw_dot(collapse=True)` draws it, and so is the loss's arithmetic;
        `full=True` shows every
        operation and weight. Returns {nodes: [{id, label, op, kind, data,
        grad, x, y}], edges: [[tail, head, count]], width, height, node_width,
        node_height, full, point}; x and y are a node's top-left corner.
        """
        with self._lock:
            index = self.selected if index is None else index
            inputs = [Value(xi, label=f'x{k + 1}') for k, xi in enumerate(self.X[index])]
            parameters = self.model.parameters()
            saved = [p.grad for p in parameters]
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                output, groups = self.model.trace(inputs)
                root = self._loss_fn([output], [self._targets[index]])
                root.label = 'loss'
                root.backward()
                order = topo_order(root)
                if full:
                    groups = {}
                else:  # the operations of the loss make one more box
                    groups.update((node, ('loss',)) for node in order
                                  if node._prev and node not in groups)
                nodes, edges = _graph_parts(order, groups, parameters)
            finally:
                for p, grad in zip(parameters, saved):
                    p.grad = grad
                if gc_was_enabled:
                    gc.enable()
            key = (full, tuple((node['op'], node['label']) for node in nodes), tuple(map(tuple, edges)))
            layout = self._layout_cache.get(key)
            if layout is None:
                layout = self._layout_cache[key] = _layered_layout(len(nodes), edges)
            positions, width, height = layout
            for node, (x, y) in zip(nodes, positions):
                node['x'], node['y'] = x, y
            return {'nodes': nodes, 'edges': edges, 'width': width, 'height': height,
                    'node_width': NODE_WIDTH, 'node_height': NODE_HEIGHT,
                    'full': bool(full), 'point': index}

    # -- the front ends

    def save_html(self, path):
        """Write the recorded frames of this run as one HTML page (atomically); return the path.

        The page needs no network and no kernel: a slider (and Play, Step,
        Reset) moves through the frames. At most MAX_FRAMES frames are kept
        per run, evenly spaced: when the run grows past that, every other
        frame is dropped and frames are taken half as often.
        """
        from autograd._files import write_atomically

        with self._lock:
            frames = list(self._frames)
            if not frames or frames[-1]['step'] != self.steps:
                frames.append(self.state())
        return write_atomically(path, recording_page([_rounded(frame) for frame in frames]))

    def widget(self):
        """The Jupyter widget of this playground (made once; needs anywidget)."""
        if self._widget is None:
            self._widget = _make_widget(self)
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self):
        s = self.settings
        return (f"Playground({s['dataset']}, MLP(2, {self.model.nouts}, {s['activation']!r}), "
                f"{s['loss']}, {s['optimizer']} lr={s['lr']:g}, step {self.steps})")

    # -- inside

    def _train_step(self):
        """One step of nn's training loop, keeping the hidden layers' outputs."""
        s = self.settings
        everything = range(len(self.X))
        batch = list(everything) if s['batch_size'] is None else self._rng.sample(everything, s['batch_size'])
        layers = self.model.layers
        hidden = [[] for _ in layers[:-1]]
        parameters = self.model.parameters()
        with cyclic_gc_paused():  # as nn.fit: graphs are freed by reference counting
            outputs = []
            for i in batch:
                h = self.X[i]
                for depth, layer in enumerate(layers):
                    h = layer(h)
                    if not isinstance(h, list):
                        h = [h]
                    if depth < len(hidden):
                        hidden[depth].append(h)
                outputs.append(h[0] if len(h) == 1 else h)
            total = _regularised(self._loss_fn(outputs, [self._targets[i] for i in batch]), parameters, L2)
            self.optimizer.zero_grad()
            total.backward()
            self.optimizer.step()
            hits = sum(predicted_class(out) == self.y[i] for out, i in zip(outputs, batch))
            self.layer_stats = [_layer_stats(f'layers.{depth}', rows, s['activation'])
                                for depth, rows in enumerate(hidden)]
            loss = total.data
            del outputs, hidden, total
        self.steps += 1
        self.history['loss'].append(loss)
        self.history['accuracy'].append(hits / len(batch))
        self._state_cache = None
        return loss

    def _notify(self):
        for observer in list(self._observers):
            observer()

    def _evaluate(self):
        """(loss with the L2 term, accuracy) on the whole dataset, without a graph."""
        with no_grad():
            outputs = [self.model(x) for x in self.X]
            loss = _regularised(self._loss_fn(outputs, self._targets), self.model.parameters(), L2)
            hits = sum(predicted_class(out) == label for out, label in zip(outputs, self.y))
        return loss.data, hits / len(self.y)

    def _parameters(self):
        optimizer = self.optimizer
        first = getattr(optimizer, 'mean', None) or getattr(optimizer, 'velocity', None)
        second = getattr(optimizer, 'variance', None)
        params = optimizer.params
        # Columns rather than one object per parameter: a third of the bytes.
        return {'name': self._names,
                'value': [_finite(p.data) for p in params],
                'grad': [_finite(p.grad) for p in params],
                'm': [_finite(x) for x in first] if first else None,
                'v': [_finite(x) for x in second] if second else None}

    def _record(self):
        # The state itself (the one the page is sent, made once per step and
        # never changed afterwards); rounded only when saved.
        self._frames.append(self.state())
        if len(self._frames) > MAX_FRAMES:
            self._frames = self._frames[::2]
            self._stride *= 2


# --------------------------------------------------------------------------
# The panels' numbers


def _layer_stats(name, rows, activation):
    """Mean and standard deviation of a hidden layer's outputs and of their
    gradients over a batch, and its units that are dead (ReLU output 0 on
    every point) or saturated (tanh beyond +-0.97, sigmoid beyond 0.03/0.97,
    on at least 90% of points)."""
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
    return {'name': name, 'units': units, 'mean': _finite(_mean(values)), 'std': _finite(_std(values)),
            'grad_mean': _finite(_mean(grads)), 'grad_std': _finite(_std(grads)),
            'flag': label, 'flagged': [u for u, bad in enumerate(flagged) if bad]}


def _mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def _std(xs):
    if not xs:
        return 0.0
    mu = _mean(xs)
    return math.sqrt(sum((x - mu) ** 2 for x in xs) / len(xs))


def _scores_numpy(model, xs, ys):
    """Every layer as h = activation(h W^T + b), for all grid cells at once."""
    import numpy as np

    gx, gy = np.meshgrid(np.asarray(xs), np.asarray(ys))  # row j is ys[j]: rows from the bottom
    h = np.stack([gx.ravel(), gy.ravel()], axis=1)
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
    return h.tolist()


def _scores_no_grad(model, xs, ys):
    """The same scores through the engine, building no graph."""
    with no_grad():
        rows = []
        for y in ys:
            for x in xs:
                out = model([x, y])
                rows.append([out.data] if isinstance(out, Value) else [o.data for o in out])
    return rows


def _graph_parts(order, groups, parameters):
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
            used = {parent for member in group for parent in member._prev if parent in inside}
            outputs = [member for member in group if member not in used]
            out = outputs[-1] if outputs else group[-1]
            nodes.append({'id': len(nodes), 'label': _short_name(key[1]), 'name': key[1],
                          'op': out._op if out._prev else '', 'kind': 'neuron',
                          'data': _finite(out.data), 'grad': _finite(out.grad)})
        else:
            kind = 'op' if node._prev else ('parameter' if id(node) in parameter_ids else 'input')
            nodes.append({'id': len(nodes), 'label': node.label, 'name': node.label,
                          'op': node._op if node._prev else '', 'kind': kind,
                          'data': _finite(node.data), 'grad': _finite(node.grad)})
    counts = {}
    for node in order:
        head = index_of[key_of(node)]
        for parent in node._prev:
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


# Node boxes and gaps of the graph layout, in the page's pixels.
NODE_WIDTH, NODE_HEIGHT, GAP_X, GAP_Y = 90, 50, 18, 8


def _layered_layout(count, edges):
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
# Checking settings


def _classes(dataset):
    return 3 if dataset in _datasets.MULTICLASS else 2  # their default number of classes


def _choice(what, value, choices):
    if value not in choices:
        raise SettingsError(f'unknown {what} {str(value)[:40]!r}; choose one of {", ".join(choices)}')
    return value


def _number(what, value, low, high, low_open=False):
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsError(f'{what} must be a number, got {value[:40]!r}') from None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SettingsError(f'{what} must be a finite number, got {str(value)[:40]!r}')
    if value < low or (low_open and value == low) or value > high:
        relation = '>' if low_open else '>='
        raise SettingsError(f'{what} must be {relation} {low:g} and <= {high:g}, got {value:g}')
    return float(value)


def _integer(what, value, low, high):
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise SettingsError(f'{what} must be a whole number, got {value[:40]!r}') from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f'{what} must be a whole number, got {str(value)[:40]!r}')
    if not low <= value <= high:
        raise SettingsError(f'{what} must be from {low} to {high}, got {value}')
    return value


def _hidden(value):
    """Hidden layer sizes from a list of ints or text such as '16,16' ('' for none).

    The same rule as `python -m nn train --hidden`: sizes separated by commas,
    spaces allowed around them; an empty size ('16,', ',,,') or a space inside
    one ('1 6') is refused, not read as something else."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(',')] if value.strip() else []
        if any(not part or ' ' in part for part in parts):
            raise SettingsError(f"hidden layers must be sizes separated by commas such as 16,16 "
                                f"('' for none), got {value[:40]!r}")
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise SettingsError(f'hidden layers must be sizes such as 16,16, got {str(value)[:40]!r}')
    if len(parts) > MAX_LAYERS:
        raise SettingsError(f'at most {MAX_LAYERS} hidden layers, got {len(parts)}')
    return tuple(_integer('neurons per layer', part, 1, MAX_NEURONS) for part in parts)


def _extent(X, margin=0.5):
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    return (min(xs) - margin, max(xs) + margin), (min(ys) - margin, max(ys) + margin)


def _finite(x):
    """JSON has no NaN or infinity: they become None (the page shows 'n/a')."""
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def _rounded(state):
    """A copy with floats to 4 significant digits: recorded frames stay small."""
    return json.loads(json.dumps(state), parse_float=lambda text: float(f'{float(text):.4g}'))


# --------------------------------------------------------------------------
# Driving a Playground from a front end (the widget and the web page)


ACTIONS = ('play', 'pause', 'step', 'reset', 'select', 'configure', 'graph', 'focus')
PUBLISH_RATE = 12  # states per second while playing


class Session:
    """A Playground driven by a front end: commands in, states out.

    `handle(command)` runs one command (the JSON shape of the module
    docstring) and returns the reply; it never raises on bad input. While
    playing, a background thread trains step after step and calls
    `publish(state)` after each (at most PUBLISH_RATE times a second); the front end redraws at its own pace, so
    neither waits for the other. Every tab or view of one Session sees
    the same run.
    """

    def __init__(self, playground, publish=None):
        self.playground = playground
        self.publish = publish
        self.full_graph = False
        self._running = threading.Event()
        self._thread = None
        self._control = threading.Lock()  # one command at a time
        self._published = 0.0
        playground._observers.append(self._announce)

    @property
    def running(self):
        return self._running.is_set()

    def current(self):
        """The playground's state plus `running`."""
        state = dict(self.playground.state(self.full_graph))
        state['running'] = self.running
        return state

    def handle(self, command):
        """Run one command; return {'ok': True} or {'ok': False, 'error': message}."""
        try:
            with self._control:
                self._dispatch(command)
        except SettingsError as error:
            return {'ok': False, 'error': str(error)}
        self._announce()
        return {'ok': True}

    def play(self):
        if self._running.is_set():
            return
        self.playground.message = None
        self.playground._state_cache = None
        self._running.set()
        self._thread = threading.Thread(target=self._train, name='playground-training', daemon=True)
        self._thread.start()

    def pause(self):
        """Stop training; returns once the step under way has finished."""
        self._running.clear()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self._thread = None

    def _dispatch(self, command):
        if not isinstance(command, dict) or command.get('action') not in ACTIONS:
            action = command.get('action') if isinstance(command, dict) else command
            raise SettingsError(f'unknown action {str(action)[:40]!r}; the actions are {", ".join(ACTIONS)}')
        action = command['action']
        playground = self.playground
        if action == 'play':
            self.play()
        elif action == 'pause':
            self.pause()
        elif action == 'step':
            self.pause()
            playground.step()
        elif action == 'reset':
            self.pause()
            playground.reset()
        elif action == 'select':
            playground.select(command.get('index'))
        elif action == 'focus':  # network view: {"action": "focus", "neuron": [layer, index] | null}
            playground.focus(command.get('neuron'))
        elif action == 'graph':
            full = command.get('full')
            if not isinstance(full, bool):
                raise SettingsError(f'graph: full must be true or false, got {str(full)[:40]!r}')
            self.full_graph = full
        else:  # configure
            settings = command.get('settings')
            if not isinstance(settings, dict) or not all(isinstance(name, str) for name in settings):
                raise SettingsError('configure: settings must be an object of names and values')
            new = check_settings(settings, playground.settings)  # check before pausing
            if any(new[name] != playground.settings[name] for name in _RESETTING):
                self.pause()
            playground.configure(**settings)

    def _train(self):
        playground = self.playground
        while self._running.is_set():
            playground.step()  # which announces the new state
            if playground.message:  # diverged: stop and say so
                self._running.clear()
        self._announce()  # the last step, also if it came too soon after the one before

    def _announce(self):
        # While training, at most PUBLISH_RATE states a second: a screen shows no
        # more, and each one costs the training thread a boundary and a graph.
        if self.publish is None:
            return
        now = time.monotonic()
        if self._running.is_set() and now - self._published < 1 / PUBLISH_RATE:
            return
        self._published = now
        self.publish(self.current())


def _web_text(name):
    """A front-end file of autograd/web, as text."""
    from importlib.resources import files

    return files('autograd').joinpath('web', name).read_text(encoding='utf-8')


def _palette():
    palette = json.loads(_web_text('palette.json'))
    return {name: value for name, value in palette.items() if not name.startswith('_')}


_WIDGET_CLASS = None


def _make_widget(playground):
    """A live anywidget view of `playground` (anywidget is imported here, not before)."""
    global _WIDGET_CLASS
    if _WIDGET_CLASS is None:
        try:
            import anywidget
            import traitlets
        except ImportError:
            raise ImportError('the playground widget needs anywidget: pip install anywidget '
                              '(or the project\'s notebook extra: pip install -e ".[notebook]")') from None

        class PlaygroundWidget(anywidget.AnyWidget):
            """The playground in a notebook: the page's front end, the kernel's training."""

            _esm = inline_into(_web_text('playground.js'))  # network view: inlined
            _css = _web_text('playground.css') + network_web_text('network.css')
            mode = traitlets.Unicode('live').tag(sync=True)
            palette = traitlets.Dict().tag(sync=True)
            state = traitlets.Dict().tag(sync=True)

            def __init__(self, playground):
                super().__init__(palette=_palette())
                self.session = Session(playground, publish=self._publish)
                self.state = self.session.current()
                self.on_msg(self._on_command)

            def _publish(self, state):
                self.state = state

            def _on_command(self, _widget, content, _buffers):
                reply = self.session.handle(content)
                self.send({'type': 'reply', **reply})

        _WIDGET_CLASS = PlaygroundWidget
    return _WIDGET_CLASS(playground)


# --------------------------------------------------------------------------
# The pages: served live, or saved with recorded frames


def _page(head, boot, script):
    template = _web_text('playground.html')
    # `<` is escaped inside the JSON so that no text in it can end the script element.
    parts = {'HEAD': head, 'BOOT': json.dumps(boot, separators=(',', ':')).replace('<', '\\u003c'), 'SCRIPT': script}
    import re

    return re.sub(r'@@(HEAD|BOOT|SCRIPT)@@', lambda match: parts[match.group(1)], template)


def live_page():
    """The page `python -m nn playground` serves; script and style are fetched from the server."""
    return _page('<link rel="stylesheet" href="/playground.css"><link rel="stylesheet" href="/network.css">',
                 {'mode': 'live', 'palette': _palette()},
                 '<script type="module" src="/playground_live.js"></script>')


def recording_page(frames):
    """One self-contained page showing `frames` (states), with a slider."""
    script, style = inline_into(_web_text('playground.js')), _web_text('playground.css') + network_web_text('network.css')
    if '</script' in script.lower() or '</style' in style.lower():
        raise ValueError('playground.js/css must not contain </script or </style (they are inlined)')
    # The policy forbids every fetch: the page works from disk or not at all.
    head = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'script-src \'unsafe-inline\'; style-src \'unsafe-inline\'; img-src data:">'
            f'<style>\n{style}</style>')
    return _page(head, {'mode': 'recording', 'palette': _palette(), 'frames': frames},
                 f'<script type="module">\n{script}</script>')


# --------------------------------------------------------------------------
# The local server


MAX_REQUEST_BYTES = 16 * 1024  # a command is a few hundred bytes
LOOPBACK = ('127.0.0.1', 'localhost', '::1')


def make_server(playground=None, host='127.0.0.1', port=8000):
    """A ThreadingHTTPServer serving `playground` (a new default one if None); not started.

    GET /                 the page
    GET /playground.js    the front end (also the widget's), /playground.css its style,
    GET /playground_live.js  the page's start: a model over the two requests below
    GET /api/state        the current state as JSON; ?since=V answers {"version": V} alone
                          if nothing changed since version V
    POST /api/command     a command (JSON, at most MAX_REQUEST_BYTES) -> its reply, 200 also
                          when it is refused ({"ok": false, "error": ...}); 4xx only for
                          requests that are not commands (size, type, origin, JSON)

    Requests from another origin are refused (403; no CORS headers are ever
    sent), and so is a Host header naming another machine when bound to
    the loopback interface (DNS rebinding). All tabs share one session.
    """
    import socket
    from http.server import ThreadingHTTPServer

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ':' in host else socket.AF_INET

        def handle_error(self, request, client_address):
            # One line, never a traceback; a browser that closed its connection is ordinary.
            error = sys.exc_info()[1]
            if isinstance(error, (ConnectionError, TimeoutError)):
                return
            print(f'playground: error while answering {client_address[0]}: '
                  f'{type(error).__name__}: {error}', file=sys.stderr)

    playground = Playground() if playground is None else playground
    server = Server((host, port), _handler_class())
    server.daemon_threads = True
    server.session = Session(playground)
    server.version = 0
    server.latest = None
    server.latest_lock = threading.Lock()
    server.static = {
        '/': (live_page().encode('utf-8'), 'text/html; charset=utf-8'),
        '/playground.js': (_web_text('playground.js').encode('utf-8'), 'text/javascript; charset=utf-8'),
        '/playground_live.js': (_web_text('playground_live.js').encode('utf-8'),
                                'text/javascript; charset=utf-8'),
        '/playground.css': (_web_text('playground.css').encode('utf-8'), 'text/css; charset=utf-8'),
        '/network.js': (network_web_text('network.js').encode('utf-8'), 'text/javascript; charset=utf-8'),
        '/network.css': (network_web_text('network.css').encode('utf-8'), 'text/css; charset=utf-8'),
    }
    bound_port = server.server_address[1]
    server.url = f'http://{"[::1]" if host == "::1" else host}:{bound_port}/'
    if host in LOOPBACK:
        names = ('127.0.0.1', 'localhost', '[::1]')
        server.allowed_hosts = {f'{name}:{bound_port}' for name in names}
    else:
        server.allowed_hosts = None  # the user asked to be reachable under other names

    def publish(state):
        data = json.dumps(state, allow_nan=False, separators=(',', ':')).encode('utf-8')
        with server.latest_lock:
            server.version += 1
            server.latest = (server.version, data)

    server.session.publish = publish
    publish(server.session.current())
    return server


def serve(playground=None, host='127.0.0.1', port=8000, open_browser=True, record=None, out=None):
    """Serve the playground until Ctrl-C; then write the recording to `record` if given."""
    import sys
    import webbrowser

    out = sys.stdout if out is None else out
    server = make_server(playground, host, port)
    print(f'playground at {server.url}  (Ctrl-C stops it)', file=out, flush=True)
    if host not in LOOPBACK:
        print(f'warning: listening on {host}: anyone who can reach this machine can drive the '
              f'playground', file=out, flush=True)
    if open_browser:
        opener = threading.Timer(0.5, webbrowser.open, [server.url])
        opener.daemon = True
        opener.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print('\nstopped the playground server', file=out, flush=True)
    finally:
        server.session.pause()
        server.server_close()
    if record is not None:
        server.session.playground.save_html(record)
        print(f'wrote {record}', file=out, flush=True)
    return server.session.playground


_HANDLER_CLASS = None


def _handler_class():
    """The request handler (http.server is imported on first use, not by `import nn`)."""
    global _HANDLER_CLASS
    if _HANDLER_CLASS is not None:
        return _HANDLER_CLASS
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        server_version = 'backprop-lab-playground'
        sys_version = ''
        # HTTP/1.0: one request per connection, so no handler thread waits on an
        # idle keep-alive connection after the server has stopped.
        protocol_version = 'HTTP/1.0'

        def do_GET(self):
            path, _, query = self.path.partition('?')
            if not self._host_allowed():
                return
            if path == '/api/state':
                if not self._origin_allowed():
                    return
                with self.server.latest_lock:
                    version, data = self.server.latest
                since = query[len('since='):] if query.startswith('since=') else ''
                if since == str(version):
                    data = json.dumps({'version': version}).encode('utf-8')
                else:
                    data = b'{"version": %d, "state": ' % version + data + b'}'
                self._send(200, data, 'application/json')
            elif path in self.server.static:
                data, kind = self.server.static[path]
                self._send(200, data, kind)
            else:
                self._error(404, f'no such page: {path[:80]}')

        def do_POST(self):
            path = self.path.partition('?')[0]
            if not self._host_allowed() or not self._origin_allowed():
                return
            if path != '/api/command':
                self._error(404, f'no such command endpoint: {path[:80]}')
                return
            length = self.headers.get('Content-Length')
            if length is None or not length.isdigit():
                self._error(411, 'a command needs a Content-Length')
                return
            if int(length) > MAX_REQUEST_BYTES:
                self._error(413, f'a command is at most {MAX_REQUEST_BYTES} bytes, got {length}')
                return
            if self.headers.get('Content-Type', '').split(';')[0].strip() != 'application/json':
                self._error(415, 'a command must be sent as application/json')
                return
            try:
                command = json.loads(self.rfile.read(int(length)).decode('utf-8'))
            except (UnicodeDecodeError, ValueError):
                self._error(400, 'a command must be a JSON object')
                return
            reply = self.server.session.handle(command)
            with self.server.latest_lock:
                reply['version'] = self.server.version
            # A refused setting is an answer, not a failed request: 200 with ok false
            # (the page shows the message; a 4xx would also be a console error).
            self._send(200, json.dumps(reply).encode('utf-8'), 'application/json')

        def _host_allowed(self):
            allowed = self.server.allowed_hosts
            if allowed is not None and self.headers.get('Host', '') not in allowed:
                self._error(403, 'this server answers only to its own address (check the Host header)')
                return False
            return True

        def _origin_allowed(self):
            """The page itself, or a program without a browser; never another site."""
            origin = self.headers.get('Origin')
            if origin is not None and origin != f"http://{self.headers.get('Host', '')}":
                self._error(403, 'cross-origin requests are refused')
                return False
            if self.headers.get('Sec-Fetch-Site', 'same-origin') not in ('same-origin', 'none'):
                self._error(403, 'cross-site requests are refused')
                return False
            return True

        def _error(self, status, message):
            self.close_connection = True  # never read an unread body as the next request
            self._send(status, json.dumps({'ok': False, 'error': message}).encode('utf-8'), 'application/json')

        def _send(self, status, data, kind):
            self.send_response(status)
            self.send_header('Content-Type', kind)
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Cache-Control', 'no-store')
            self.send_header('X-Content-Type-Options', 'nosniff')
            self.send_header('Content-Security-Policy',
                             "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass  # a quiet terminal: the page reports what went wrong

    _HANDLER_CLASS = Handler
    return Handler
