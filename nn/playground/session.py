"""A playground's run, and a session driving it from a front end: no I/O here.

`Playground` is a network training on a toy dataset, one step at a time,
with everything on show (`state()`). Its step is nn's own
(`nn.train.train_step`, as `nn.fit` takes it on a batch): the model's
forward pass, the named loss plus the L2 penalty of `python -m nn train`,
`backward()`, the optimizer's `step()`. The playground only keeps the
hidden layers' outputs of that step for their statistics.

`Session` drives a Playground from commands (the JSON shape in the
package's docstring): the widget and the HTTP server both hand it what the
page sends and publish what it returns; neither reads a file or a socket
here.
"""

import random
import threading
import time

from autograd.graph import cyclic_gc_paused

from .. import losses as _losses
from .. import optim as _optim
from ..module import MLP
from ..network import check_focus, largest_loss_point, selected_view  # network view
from ..train import History, _loss_and_targets, _ReplayedStep, evaluate, train_step
from . import touch, view
from .hidden import KeepHidden, hidden_layer_stats
from .settings import DATA_SETTINGS, DEFAULTS, RESETTING, SettingsError, check_settings

L2 = DEFAULTS['l2']     # the default weight of the L2 penalty, as `python -m nn train`
MAX_FRAMES = 100        # frames kept for save_html; older ones are thinned out


class Playground:
    """A network training on a toy dataset, one step at a time, with everything on show.

    `step(k)` trains, `reset()` starts over from the same seed,
    `configure(**settings)` changes settings (the dataset or architecture
    starts the run over; the learning rate, batch size and L2 strength apply
    from the next step), `select(i)` picks the point whose graph `state()` shows.
    `add_point`, `remove_point`, `reset_data` and `set_parameter` change the
    training points and the weights by hand, without starting over;
    `test_fraction` holds that fraction of the points out of training, and
    the history keeps their loss and accuracy beside the training ones.
    A Playground is safe to drive from several threads (one lock).

    `record=False` keeps no frames for `save_html` (which then saves the
    current state alone): recording makes a whole state after every step,
    which a front end that never saves (the static site) need not pay for.
    """

    def __init__(self, dataset='moons', hidden=(16, 16), activation='relu', loss='hinge',
                 optimizer='adam', lr=0.05, batch_size=None, n=100, noise=0.1, seed=0, l2=L2,
                 test_fraction=0.0, *, record=True):
        self._lock = threading.RLock()
        self.record = record
        given = dict(dataset=dataset, hidden=hidden, activation=activation, loss=loss,
                     optimizer=optimizer, lr=lr, batch_size=batch_size, n=n, noise=noise, seed=seed,
                     l2=l2, test_fraction=test_fraction)
        # Only what differs from the defaults counts as asked for: the default
        # hinge loss on three spirals becomes cross_entropy (see check_settings).
        self.settings = check_settings({name: value for name, value in given.items()
                                        if value != DEFAULTS[name]})
        self._widget = None
        self._observers = []  # called after every change (the widget and the server listen)
        self.points = None    # made by reset(); kept by it while the data settings stay
        self.reset()

    # -- driving it

    def reset(self):
        """Start over: the same data (with the points added or removed by
        hand, unless a data setting changed), fresh weights from the seed, step 0."""
        with self._lock:
            s = self.settings
            if self.points is None or any(self.points.settings[name] != s[name] for name in DATA_SETTINGS):
                self._new_points()
            outputs = _losses.num_outputs(s.loss, self.classes)
            self.model = MLP(2, [*s.hidden, outputs], s.activation, seed=s.seed)
            self._loss_fn, self._targets = _loss_and_targets(s.loss, self.y, self.model)
            self.optimizer = _optim.OPTIMIZERS[s.optimizer](self.model.parameters(), lr=s.lr)
            self.parameter_names = [name for name, _ in self.model.named_parameters()]
            self._rng = random.Random(s.seed)
            self.steps = 0
            self.history = History()
            self.layer_stats = []
            self._replayed = None  # (the traced step, what it was traced for)
            # network view: the point of largest loss until the learner picks one
            self.selected = largest_loss_point(self.model, self.X, self._targets, self._loss_fn)
            self.picked, self.network_focus = False, None
            self.message = None
            self._layout_cache = {}
            self._state_cache = None
            self._frames, self._stride = [], 1
            # (loss with the L2 term, accuracy) on the whole dataset: what step 0 shows.
            self.start = evaluate(self.model, self.X, self.y, self._loss_fn, self._targets,
                                  self.model.parameters(), s.l2)
            self._start_touch()
            self._record()
        self._notify()

    def step(self, k=1):
        """Train `k` steps; return the loss of the last one (None for k=0).

        A step after which the run has diverged (`view.divergence`: a loss
        not finite or past view.DIVERGED_LOSS, a weight not finite) stops the
        loop and sets `message` (the weights it produced are kept, so the
        page can show them).
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f'k must be a number of steps >= 0, got {k!r}')
        loss = None
        for _ in range(k):
            with self._lock:
                loss = self._train_step()
                if self.steps % self._stride == 0:
                    self._record()
                diverged = view.divergence(loss, self.model.parameters())
                if diverged:
                    self.message = (f'training diverged at step {self.steps} ({diverged}); '
                                    f'lower the learning rate and press Reset')
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
            if changed & set(RESETTING):
                self.reset()
                return True
            if 'lr' in changed:
                self.optimizer.schedule = new.lr
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
        """Open neuron [layer, index] in the network view (None closes it)."""
        with self._lock:
            try:
                self.network_focus = check_focus(neuron, self.model.nouts)
            except ValueError as error:
                raise SettingsError(str(error)) from None
            self._state_cache = None
        self._notify()

    # -- touching it: the points and the weights by hand (checks in touch.py)

    def add_point(self, x, y, label):
        """Add a training point of class `label` at (x, y), inside the plane
        the boundary is drawn on; return its index. Training goes on: the
        next step uses it."""
        with self._lock:
            index = self.points.add(x, y, label, self.classes)
            self._targets.append(self._targets_of([label])[0])
            self._data_changed()
        self._notify()
        return index

    def remove_point(self, index):
        """Remove training point `index` (0 <= index < the number of training
        points); return (point, label). Training goes on without it."""
        with self._lock:
            removed = self.points.remove(index)
            del self._targets[index]
            if self.selected >= len(self.X) or self.selected > index:
                self.selected = max(0, self.selected - 1)
            self._data_changed()
        self._notify()
        return removed

    def reset_data(self):
        """The generated points back (the added ones gone, the removed ones
        back); the weights and the step count are kept."""
        with self._lock:
            self._new_points()
            self._targets = self._targets_of(self.y)
            self._test_targets = self._targets_of(self.y_test) if self.y_test else []
            self.selected = 0
            self._data_changed()
        self._notify()

    def set_parameter(self, name, value):
        """Set the parameter called `name` (as in `model.named_parameters()`)
        to `value`, a finite number; the boundary, the loss and the graph
        show the new weight at once. Returns the value set."""
        with self._lock:
            value = touch.check_weight(name, value, self.parameter_names)
            self.optimizer.params[self.parameter_names.index(name)].data = value
            self._data_changed()
        self._notify()
        return value

    def _new_points(self):
        self.points = touch.Points(self.settings)
        self.points.settings = self.settings
        self.X, self.y = self.points.X, self.points.y
        self.X_test, self.y_test = self.points.X_test, self.points.y_test
        self.extent = self.points.extent
        self.classes = self.settings.classes

    def _targets_of(self, labels):
        return _losses.class_targets(self.settings.loss, labels, self.model.nouts[-1])

    def _start_touch(self):
        """What reset() adds for the points and weights touched by hand: the test points' targets and score."""
        self._test_targets = self._targets_of(self.y_test) if self.y_test else []
        self.start_test = self._test_score()
        self.touched = self.touched_test = None

    def _data_changed(self):
        """After a change by hand: the loss and accuracy (with the L2 term, on
        all training points) and the test score at the weights as they are now."""
        self.touched = evaluate(self.model, self.X, self.y, self._loss_fn, self._targets,
                                self.model.parameters(), self.settings.l2)
        self.touched_test = self._test_score()
        self._state_cache = None

    def _test_score(self):
        if not self.X_test:
            return None
        return touch.test_score(self.model, self.X_test, self.y_test, self._test_targets, self._loss_fn)

    def _score_test(self):
        """Before a training step: the test score into the history (as nn.fit's val_loss)."""
        self.touched = None
        score = self._test_score()
        if score is not None:
            self.history.val_loss.append(score[0])
            self.history.val_accuracy.append(score[1])

    # -- looking at it

    def state(self, full_graph=False):
        """A JSON-serialisable snapshot of everything on show.

        Keys: settings, step, loss, accuracy (of the last step's batch,
        before its update; at step 0 of the whole dataset), history {loss, accuracy}
        (thinned to at most view.MAX_CURVE_POINTS, with their step numbers),
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
            if self._state_cache is None or self._state_cache[0] != key:
                # network view: may choose another point (when the selected one's
                # gradient vanished and the learner did not pick it), so first
                self.selected, network = selected_view(self.model, self.X, self._targets, self._loss_fn,
                                                       self.selected, self.picked, extent=self.extent,
                                                       focus=self.network_focus)
                self._state_cache = (key, {**view.state(self, full_graph), **network})
            return self._state_cache[1]

    def boundary(self, size=view.GRID):
        """The predicted class and its confidence on a size x size grid over the data
        (see `nn.playground.view.boundary`)."""
        with self._lock:
            return view.boundary(self.model, self.extent, size)

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
            nodes, edges = view.point_graph(self.model, self.X[index], self._loss_fn,
                                            self._targets[index], full)
            key = (full, tuple((node['op'], node['label']) for node in nodes), tuple(map(tuple, edges)))
            layout = self._layout_cache.get(key)
            if layout is None:
                layout = self._layout_cache[key] = view.layered_layout(len(nodes), edges)
            positions, width, height = layout
            for node, (x, y) in zip(nodes, positions):
                node['x'], node['y'] = x, y
            return {'nodes': nodes, 'edges': edges, 'width': width, 'height': height,
                    'node_width': view.NODE_WIDTH, 'node_height': view.NODE_HEIGHT,
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

        from .pages import recording_page

        with self._lock:
            frames = list(self._frames)
            if not frames or frames[-1]['step'] != self.steps:
                frames.append(self.state())
        return write_atomically(path, recording_page([view.rounded(frame) for frame in frames]))

    def widget(self):
        """The Jupyter widget of this playground (made once; needs anywidget)."""
        if self._widget is None:
            from .widget import make_widget

            self._widget = make_widget(self)
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self):
        s = self.settings
        return (f"Playground({s.dataset}, MLP(2, {self.model.nouts}, {s.activation!r}), "
                f"{s.loss}, {s.optimizer} lr={s.lr:g}, step {self.steps})")

    # -- inside

    def _train_step(self):
        """One step of nn's training loop, keeping the hidden layers' outputs for the panels."""
        s = self.settings
        everything = range(len(self.X))
        batch = (list(everything) if s.batch_size is None
                 else self._rng.sample(everything, min(s.batch_size, len(everything))))
        self._score_test()  # at the weights this step's own loss is measured at, as nn.fit
        kept = KeepHidden(self.model)
        with cyclic_gc_paused():  # as nn.fit: graphs are freed by reference counting
            if s.batch_size is None:  # the same graph every step: replayed (see _replay_step)
                loss, predicted = self._replay_step()
            else:
                loss, predicted = train_step(kept, [self.X[i] for i in batch], [self._targets[i] for i in batch],
                                             self._loss_fn, self.model.parameters(), s.l2, self.optimizer)
                self.layer_stats = [view.layer_stats(f'layers.{depth}', rows, s.activation)
                                    for depth, rows in enumerate(kept.rows)]
            # The weights have changed: the counter and the history say so before anything else.
            self.steps += 1
            self.history.loss.append(loss)
            self.history.accuracy.append(sum(p == self.y[i] for p, i in zip(predicted, batch)) / len(batch))
            self.history.lr.append(self.optimizer.lr)
            self._state_cache = None
            del kept  # the last references to the step's graph
        return loss

    def _replay_step(self):
        """`train_step` on the whole dataset, traced once and replayed (as nn.fit does):
        the same loss, predictions and weights, bit for bit, several times faster.

        A replay keeps no gradients of interior nodes, so the hidden layers'
        statistics are left to `layer_stats`, which computes them from the
        weights this step started from only if a state asks for them: one
        eager pass per state shown, not one per step.
        """
        l2 = self.settings.l2
        # Traced again if the points (added or removed by hand) or the L2 strength changed.
        data = ([list(point) for point in self.X], list(self._targets), l2)
        if self._replayed is None or self._replayed[1] != data:
            step = _ReplayedStep(self.model, self.X, self._targets, self._loss_fn, self.model.parameters(), l2)
            self._replayed = (step, data)
        parameters = self.model.parameters()
        self._stats_weights = ([p.data for p in parameters], l2)
        self.layer_stats = None  # made when asked for, see the property
        return self._replayed[0](self.optimizer)

    @property
    def layer_stats(self):
        """The hidden layers' statistics (view.LayerStats) of the last step's batch."""
        with self._lock:
            if self._layer_stats is None:
                self._layer_stats = hidden_layer_stats(self.model, self.X, self._targets, self._loss_fn,
                                                       self.settings.activation, *self._stats_weights)
            return self._layer_stats

    @layer_stats.setter
    def layer_stats(self, stats):
        self._layer_stats = stats

    def _notify(self):
        for observer in list(self._observers):
            observer()

    def _record(self):
        # The state itself (the one the page is sent, made once per step and
        # never changed afterwards); rounded only when saved.
        if not self.record:
            return
        self._frames.append(self.state())
        if len(self._frames) > MAX_FRAMES:
            self._frames = self._frames[::2]
            self._stride *= 2


# --------------------------------------------------------------------------
# Driving a Playground from a front end (the widget and the web page)


# Touching the run (Session._touch): add_point {x, y, label}, remove_point {index},
# reset_data, set_parameter {name, value}, open {settings} (a page's address).
TOUCH_ACTIONS = ('add_point', 'remove_point', 'reset_data', 'set_parameter', 'open')
ACTIONS = ('play', 'pause', 'step', 'reset', 'select', 'configure', 'graph', 'focus', *TOUCH_ACTIONS)
PUBLISH_RATE = 12  # states per second while playing


class Session:
    """A Playground driven by a front end: commands in, states out.

    `handle(command)` runs one command (the JSON shape of the package
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
        if self._thread is not None:  # stopped by itself (diverged): let it finish its last announce
            self._thread.join()
        self.playground.message = None
        self.playground._state_cache = None
        self._running.set()
        self._thread = threading.Thread(target=self._train, name='playground-training', daemon=True)
        self._thread.start()

    def pause(self):
        """Stop training; returns once the step under way has finished, however long
        it takes (settings.MAX_STEP_COST keeps it short), so that a Play after
        it never starts a second thread training the same model."""
        self._running.clear()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
            self._thread = None

    def _dispatch(self, command):
        if not isinstance(command, dict) or command.get('action') not in ACTIONS:
            action = command.get('action') if isinstance(command, dict) else command
            raise SettingsError(f'unknown action {str(action)[:40]!r}; the actions are {", ".join(ACTIONS)}')
        action = command['action']
        playground = self.playground
        if action in TOUCH_ACTIONS:
            self._touch(action, command)
        elif action == 'play':
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
            if any(new[name] != playground.settings[name] for name in RESETTING):
                self.pause()
            playground.configure(**settings)

    def _touch(self, action, command):
        """The commands that touch the points and the weights; training goes on."""
        playground = self.playground
        if action == 'add_point':
            playground.add_point(command.get('x'), command.get('y'), command.get('label'))
        elif action == 'remove_point':
            playground.remove_point(command.get('index'))
        elif action == 'reset_data':
            playground.reset_data()
        elif action == 'set_parameter':
            playground.set_parameter(command.get('name'), command.get('value'))
        else:  # open: the settings of a page's address, each checked alone
            accepted, errors = touch.settings_from_address(command.get('settings'), playground.settings)
            if accepted:
                new = check_settings(accepted, playground.settings)
                if any(new[name] != playground.settings[name] for name in RESETTING):
                    self.pause()
                playground.configure(**accepted)
            if errors:
                raise SettingsError('ignored in the page\'s address: ' + '; '.join(errors))

    def _train(self):
        playground = self.playground
        try:
            while self._running.is_set():
                playground.step()  # which announces the new state
                if playground.message:  # diverged: stop and say so
                    break
        except Exception as error:  # a bug of ours: paused and said on the page, never a dead thread
            with playground._lock:
                playground.message = (f'training stopped at step {playground.steps}: internal error '
                                      f'({type(error).__name__}: {str(error)[:200]})')
                playground._state_cache = None
        finally:
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
