"""Training and evaluation: `fit`, `predict`, `accuracy`.

A training step is the whole of backprop on a dataset:

    outputs = [model(x) for x in batch]          # forward: builds the graph
    loss = loss_fn(outputs, targets) + l2        # one Value at the root
    optimizer.zero_grad(); loss.backward()       # the chain rule, node by node
    optimizer.step()                             # move every weight downhill

`fit` runs that loop with a progress bar and records the loss and accuracy
of every step.

Where the graph cannot depend on the data, `fit` records it once with
`autograd.trace` and replays it every step (about 3x faster for
`python -m nn train`, the same floats bit for bit); see `_replayable`.
"""

import collections
import contextlib
import math
import os
import random
import time

from autograd._files import _sync_folder
from autograd._validate import check_int, check_real, is_real
from autograd.engine import Value, no_grad
from autograd.graph import cyclic_gc_paused
from autograd.trace import trace

from .datasets import num_classes

from . import losses as _losses
from . import optim as _optim
from .module import MLP, Layer, Neuron


class History:
    """What `fit` records, one entry per step: `loss` (including the L2
    term), `accuracy` (of that step's forward pass on its batch, before the
    update) and `lr`. `final_accuracy` and `final_loss` (with the L2 term)
    are measured on the whole dataset after the last update, under `no_grad`. `seconds` is the
    wall time of the training loop. Also readable as a dict: `history['loss']`.

    With held-out data (`fit(..., validation=...)`), `val_loss` and
    `val_accuracy` hold the same measures on the held-out points, per step
    at the weights the step's own loss was measured at, and
    `final_val_loss`, `final_val_accuracy` after the last update; without,
    the lists are empty and the finals None.
    """

    def __init__(self):
        self.loss = []
        self.accuracy = []
        self.lr = []
        self.final_loss = None
        self.final_accuracy = None
        self.val_loss = []
        self.val_accuracy = []
        self.final_val_loss = None
        self.final_val_accuracy = None
        self.seconds = 0.0

    @property
    def steps(self):
        return len(self.loss)

    def __getitem__(self, key):
        return self.as_dict()[key]

    def keys(self):
        return self.as_dict().keys()

    def as_dict(self):
        return {'loss': self.loss, 'accuracy': self.accuracy, 'lr': self.lr,
                'final_loss': self.final_loss, 'final_accuracy': self.final_accuracy,
                'val_loss': self.val_loss, 'val_accuracy': self.val_accuracy,
                'final_val_loss': self.final_val_loss, 'final_val_accuracy': self.final_val_accuracy,
                'seconds': self.seconds}

    def __repr__(self):
        if not self.loss:
            return 'History(0 steps)'
        held_out = (f', held-out {_percent(self.final_val_accuracy)}'
                    if self.final_val_accuracy is not None else '')
        return (f'History({self.steps} steps, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, '
                f'final accuracy {_percent(self.final_accuracy)}{held_out}, {self.seconds:.2f} s)')


def fit(model, X, y, loss='hinge', optimizer='adam', steps=100, batch_size=None, lr=None,
        l2=1e-4, seed=0, progress=True, callback=None, validation=None):
    """Train `model` on points `X` with class indices `y`; return a `History`.

    loss: a name, 'hinge' (default, micrograd's demo), 'bce', 'mse',
      'cross_entropy' or 'auto' (hinge for 2 classes, cross_entropy for
      more), or a function `loss(outputs, targets) -> Value`.
      `y` holds class indices 0..K-1. Named losses take them as they are
      (hinge maps 0/1 to -1/+1 itself); 'mse' regresses one output to -1/+1
      or K outputs to one-hot rows (see `nn.losses.class_targets`). A loss
      function gets `y` unchanged.
    optimizer: 'adam' (default) or 'sgd', built on the model's parameters
      with learning rate `lr`, or an optimizer object (then `lr` must be
      None). Default lr: for 'adam' 0.05, for 'sgd' micrograd's linear decay
      from 1.0 to 0.1 over the steps. `lr` may be a schedule (see nn.optim).
    steps: number of updates. batch_size: None for the whole dataset every
      step, else a random batch of that size (drawn from random.Random(seed)).
    l2: the weight of the L2 penalty l2 * sum(p**2) added to the loss (0 for none).
    progress: show a tqdm progress bar with the live loss and accuracy.
    callback: called as callback(step, history) after every step.
    validation: held-out points and labels (X_val, y_val), never trained
      on: their loss (the training loss's kind, without the L2 term) and
      accuracy go into history.val_loss and val_accuracy every step, under
      `no_grad` (see nn/validation.py; nn.split makes such a pair).

    Python's cyclic garbage collector is paused during each step (the engine
    frees graphs by reference counting, and the collector would otherwise
    keep scanning the tens of thousands of fresh nodes); the caller's GC
    state is restored after every step, also on error.

    With the whole dataset every step, an `nn` model and the hinge or mse
    loss, the step's graph is the same every time, so `fit` traces it once
    (autograd.trace) and replays it: the same losses and weights, bit for
    bit, several times faster.

    For an nn model, the memory a step needs is estimated first (see
    `estimate`); more than the system has available raises TooLargeError
    (a ValueError) before anything is built.
    """
    X, y = _check_data('fit', X, y)
    check_int('fit', 'steps', steps, minimum=1)
    if batch_size is not None:
        check_int('fit', 'batch_size', batch_size, minimum=1, maximum=len(X))
    check_real('fit', 'l2', l2, minimum=0.0)
    loss_fn, targets = _loss_and_targets(loss, y, model)
    replayed = _replayable(model, loss, y, batch_size)
    sizes = _layer_sizes(model)
    if sizes is not None:  # refused here, not with a MemoryError some steps in
        check_fits('fit', estimate(sizes, batch_size or len(X), traced=replayed))
    optimizer = _make_optimizer(optimizer, model, lr, steps)
    parameters = model.parameters()
    rng = random.Random(seed)
    everything = list(range(len(X)))
    held_out = None
    if validation is not None:
        from .validation import HeldOut  # here: validation.py imports this module

        held_out = HeldOut(validation, loss, y, model)

    if replayed:
        replayed_step = _ReplayedStep(model, X, targets, loss_fn, parameters, l2)
    else:
        replayed_step = None

    history = History()
    bar = _progress_bar(steps) if progress else None
    started = time.perf_counter()
    try:
        for step in range(steps):
            batch = everything if batch_size is None else rng.sample(everything, batch_size)
            history.lr.append(optimizer.lr)  # before the step moves a schedule on
            if held_out is not None:  # at the weights this step's own loss is measured at
                val_loss, val_accuracy = held_out.score(model)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            with cyclic_gc_paused():
                if replayed_step is not None:
                    loss_data, predicted = replayed_step(optimizer)
                else:
                    loss_data, predicted = _step(model, [X[i] for i in batch], [targets[i] for i in batch],
                                                 loss_fn, parameters, l2, optimizer)
            history.loss.append(loss_data)
            history.accuracy.append(_fraction_right(predicted, [y[i] for i in batch]))
            if bar is not None:
                _show_progress(bar, history)
            if callback is not None:
                callback(step, history)
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - started

    with no_grad():
        outputs = [model(x) for x in X]
        final = _regularised(loss_fn(outputs, targets), parameters, l2)
        history.final_loss = final.data
        history.final_accuracy = _fraction_right([predicted_class(output) for output in outputs], y)
    if held_out is not None:
        history.final_val_loss, history.final_val_accuracy = held_out.score(model)
    return history


# --------------------------------------------------------------------------
# The work of a run, estimated before anything is built

# Peak memory per unit, measured with tracemalloc on MLPs of 5 to 91,501
# parameters and batches of 1 to 100 points, then rounded up (the growth of
# the resident set agrees within 15%). A node of an eager step (its Value,
# float, parents tuple and backward's ordering): 180-285 bytes. A node of a
# traced step, which `fit` replays and keeps for the whole run beside the
# graph it was recorded from: 420-625 bytes (620-675 of resident memory).
# A parameter (a Value and its dotted name): 190-230. A point of a
# generated dataset: 210-330.
BYTES_PER_NODE = 350
BYTES_PER_TRACED_NODE = 800
BYTES_PER_PARAMETER = 250
BYTES_PER_POINT = 350


class TooLargeError(ValueError):
    """A run that cannot fit in memory; `estimate` holds its Estimate."""

    def __init__(self, message, estimate):
        super().__init__(message)
        self.estimate = estimate


class Estimate(collections.namedtuple('Estimate', 'parameters nodes_per_point nodes_per_step bytes')):
    """The size of a run: parameters, graph nodes per point and per step,
    and the memory the run needs at its peak, in bytes."""

    def __str__(self):
        return (f'{self.parameters:,} parameters, {self.nodes_per_step:,} nodes per step, '
                f'about {_size(self.bytes)} of memory')


def estimate(sizes, batch, points=0, traced=False):
    """The work of training an MLP whose layer sizes are `sizes` (inputs
    first: [2, 16, 16, 1]) on batches of `batch` points, with `points`
    points still to be generated (0 if the data exists already); `traced`
    if `fit` will replay a traced step (see `replays`), which holds more
    memory per node than an eager one.

    Counted, not allocated, so a size of 10**30 costs nothing: a neuron with
    n inputs makes 2n + 1 nodes (n products, n sums, the activation); a loss
    at most 3K + 5 per point for K outputs; the L2 penalty 3 per parameter.
    """
    parameters = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    forward = sum((2 * n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    per_point = forward + 3 * sizes[-1] + 5
    per_step = batch * per_point + 3 * parameters
    per_node = BYTES_PER_TRACED_NODE if traced else BYTES_PER_NODE
    memory = per_step * per_node + parameters * BYTES_PER_PARAMETER + points * BYTES_PER_POINT
    return Estimate(parameters, per_point, per_step, memory)


def check_fits(function, work, available=None):
    """`work` (an Estimate) if it fits in `available` bytes (default: what
    `available_memory` reports; nothing is checked when it reports nothing),
    else TooLargeError with the numbers. The message starts with `function`
    (None for none)."""
    if available is None:
        available = available_memory()
    if available is None or work.bytes <= available:
        return work
    raise TooLargeError(
        f'{function + ": " if function else ""}this run needs about {_size(work.bytes)} of memory '
        f'but {_size(available)} is available: {work.nodes_per_step:,} nodes per step '
        f'({work.nodes_per_point:,} per point) and {work.parameters:,} parameters', work)


def available_memory():
    """The bytes this process may still allocate, as the system reports them,
    or None where it reports nothing: Linux's MemAvailable (elsewhere, the
    machine's physical memory), lowered by a container's memory limit."""
    found = []
    meminfo = _fields('/proc/meminfo')
    if 'MemAvailable' in meminfo:
        found.append(meminfo['MemAvailable'] * 1024)  # /proc/meminfo counts in KiB
    else:
        try:  # macOS and the other Unixes: all the memory there is
            found.append(os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE'))
        except (AttributeError, ValueError, OSError):  # no sysconf (Windows), or no such name
            pass
    for cgroup in _cgroups():
        room = _cgroup_room(*cgroup)
        if room is not None:
            found.append(room)
            break
    return min(found) if found else None


def _cgroups():
    """Where this process's memory limit may be: (folder, limit file, usage
    file, the memory.stat field of reclaimable cache), cgroup v2 then v1."""
    own = '/'
    try:
        with open('/proc/self/cgroup') as file:
            for line in file:
                if line.startswith('0::'):  # v2: '0::/the/group'
                    own = line[3:].strip() or '/'
    except OSError:
        pass
    return [(os.path.join('/sys/fs/cgroup', own.lstrip('/')), 'memory.max', 'memory.current', 'inactive_file'),
            ('/sys/fs/cgroup/memory', 'memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file')]


def _cgroup_room(folder, limit_name, usage_name, cache_field):
    """A cgroup's limit less what it uses, not counting file cache that the
    kernel reclaims before it kills (as `docker stats` counts); None if
    `folder` has no limit ('max' in v2; v1 writes a huge number, which the
    caller's min ignores)."""
    limit = _number_in(os.path.join(folder, limit_name))
    used = _number_in(os.path.join(folder, usage_name))
    if limit is None or used is None:
        return None
    cache = _fields(os.path.join(folder, 'memory.stat')).get(cache_field, 0)
    return max(0, limit - max(0, used - cache))


def _number_in(path):
    try:
        with open(path) as file:
            return int(file.read())
    except (OSError, ValueError):
        return None


def _fields(path):
    """The 'name value' (or 'name: value unit') lines of a /proc or cgroup
    file as a dict of ints; {} if it cannot be read."""
    fields = {}
    try:
        with open(path) as file:
            for line in file:
                parts = line.replace(':', ' ').split()
                if len(parts) >= 2 and parts[1].isdigit():
                    fields[parts[0]] = int(parts[1])
    except OSError:
        pass
    return fields


def replays(loss, batch_size):
    """Whether `fit` replays a traced step for an nn model trained with the
    loss named `loss` (after 'auto' is resolved) and `batch_size`: the
    whole dataset every step, and a loss whose graph never looks at `.data`."""
    return batch_size is None and loss in ('hinge', 'mse')


def _size(count):
    for unit, scale in (('TB', 1e12), ('GB', 1e9), ('MB', 1e6)):
        if count >= scale:
            return f'{count / scale:.1f} {unit}'
    return f'{count / 1e3:.0f} KB'


def _layer_sizes(model):
    """[inputs, layer sizes...] of an MLP, Layer or Neuron; None for another model."""
    if isinstance(model, MLP):
        return [model.nin, *model.nouts]
    if isinstance(model, Layer):
        return [model.nin, model.nout]
    if isinstance(model, Neuron):
        return [model.nin, 1]
    return None


def _step(model, points, targets, loss_fn, parameters, l2, optimizer):
    """One update on a batch, the four lines of this module's docstring.
    Returns the loss (a float) and the class each output predicted; the
    step's graph is freed, by reference counting, when this returns."""
    outputs = [model(x) for x in points]
    loss = _regularised(loss_fn(outputs, targets), parameters, l2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data, [predicted_class(output) for output in outputs]


def _replayable(model, loss, y, batch_size):
    """Whether every step builds the same graph, so that a recording of it can be replayed.

    The batch must be the whole dataset: for a random batch the targets,
    which the losses hold as constants of the graph, change every step. The
    model must be one of nn's own modules, whose forward pass never looks at
    `.data`; the loss hinge or mse, which never do either (binary
    cross-entropy branches on the logit's sign, cross_entropy shifts by the
    largest logit's `.data`). A loss function of your own stays eager.
    """
    if callable(loss) or type(model) not in (MLP, Layer, Neuron):
        return False
    return replays(_losses.for_classes(loss, num_classes(y)), batch_size)


class _ReplayedStep:
    """`_step` on the whole dataset, traced on the first call and replayed after."""

    def __init__(self, model, X, targets, loss_fn, parameters, l2):
        self.program = None
        self.outputs = None

        def step_loss():
            outputs = [model(x) for x in X]
            if self.outputs is None:
                # The traced call's outputs belong to the program, which
                # refreshes their .data on every replay.
                self.outputs = outputs
            return _regularised(loss_fn(outputs, targets), parameters, l2)

        self.step_loss = step_loss

    def __call__(self, optimizer):
        if self.program is None:
            self.program = trace(self.step_loss)
        optimizer.zero_grad()
        loss_data = self.program()
        optimizer.step()
        return loss_data, [predicted_class(output) for output in self.outputs]


def _regularised(loss, parameters, l2):
    """The loss plus the L2 penalty l2 * sum(p**2), or the loss alone for l2 = 0."""
    return loss + _losses.l2_penalty(parameters, l2) if l2 else loss


# --------------------------------------------------------------------------
# A run's output files: the old set or the new set, never a mix


@contextlib.contextmanager
def output_folder(folder, outputs):
    """Replace the files named `outputs` in `folder` as one set.

    Yields a fresh hidden folder inside `folder` (`.run.new-XXXXXXXX`) to
    write the new files into. When the block ends normally, the new files
    take the place of the old outputs, and an old output that the new run
    did not make (graph.svg without Graphviz) goes with the rest of the old
    set. When the block raises (an error, Ctrl-C) nothing in `folder`
    changes. So a run that is stopped leaves `folder` holding the complete
    old set or the complete new set. (Writing the files one by one cannot
    give that: a run stopped after the first leaves a new model.json beside
    the old plots.)

    Putting the new set in place is a few renames inside `folder`: each old
    output goes to a second hidden folder (`.run.old-XXXXXXXX`), then each
    new file takes its place. If any of them fails or is interrupted, the
    renames already made are undone, decided by what is on disk. Nothing
    else in `folder` is moved or read: the user's own files, subfolders and
    mount points stay where they are, and `folder` may be the current one.
    A new output keeps the permissions of the old one it replaces. Only a
    process killed outright (SIGKILL, a power cut) can leave a hidden
    `.run.*` folder behind, holding what it was writing or the old set.

    A folder that does not exist is made, and removed again (with any
    parents made for it) if the block raises.
    """
    import shutil  # lazy, as in autograd._files: only a run that writes needs it
    import tempfile

    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f'the output folder {folder} is a file, not a folder')
    for name in outputs:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            raise ValueError(f'{path} is a folder; a run writes a file of that name there, '
                             f'so move it away or choose another output folder')
    made = _missing_folders(folder)
    try:
        os.makedirs(folder, exist_ok=True)
        staging = tempfile.mkdtemp(dir=folder, prefix='.run.new-')
    except OSError as error:
        _remove_empty(made)
        raise OSError(f'cannot write to the output folder {folder}: {error.strerror or error}') from None
    try:
        yield staging
        _put_in_place(folder, staging, outputs)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(made)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _sync_folder(folder)


def _put_in_place(folder, staging, outputs):
    """Move the old outputs of `folder` aside and the new ones from
    `staging` in; on any error, or Ctrl-C, put everything back as it was."""
    import tempfile

    new = [name for name in outputs if os.path.lexists(os.path.join(staging, name))]
    aside = tempfile.mkdtemp(dir=folder, prefix='.run.old-')
    try:
        for name in outputs:
            old = os.path.join(folder, name)
            if os.path.lexists(old):
                _keep_mode(old, os.path.join(staging, name))
                os.replace(old, os.path.join(aside, name))
        for name in new:
            os.replace(os.path.join(staging, name), os.path.join(folder, name))
    except BaseException:
        # Decided by what is on disk, not by which call returned: an
        # interrupt can land between a rename and the next line.
        for name in new:
            moved_in = not os.path.lexists(os.path.join(staging, name))
            if moved_in and os.path.lexists(os.path.join(folder, name)):
                os.replace(os.path.join(folder, name), os.path.join(staging, name))
        for name in outputs:
            if os.path.lexists(os.path.join(aside, name)):
                os.replace(os.path.join(aside, name), os.path.join(folder, name))
        os.rmdir(aside)  # empty again; if not, it keeps the old set safe
        raise
    # The new set is in place: the old one can go. Whatever cannot (a
    # folder that took an output's name meanwhile) stays where it is.
    for name in outputs:
        try:
            os.unlink(os.path.join(aside, name))
        except OSError:
            pass
    try:
        os.rmdir(aside)
    except OSError:
        pass


def _keep_mode(old, new):
    """Give the new file the permissions of the old one it replaces."""
    try:
        if os.path.isfile(new) and not os.path.islink(old):
            os.chmod(new, os.stat(old).st_mode & 0o7777)
    except OSError:
        pass


def _missing_folders(folder):
    """`folder` and those of its parents that do not exist, deepest first."""
    missing = []
    path = os.path.abspath(folder)
    while not os.path.lexists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _remove_empty(folders):
    for path in folders:
        try:
            os.rmdir(path)
        except OSError:  # not empty (someone wrote there meanwhile): leave it
            return


@no_grad()
def predict(model, X):
    """The predicted class index of every point (see `predicted_class`). Runs under `no_grad`."""
    return [predicted_class(model(x)) for x in X]


def predicted_class(output):
    """The class a model's output predicts: for one output s, 1 if s > 0
    else 0; for K outputs, the index of the largest (the first, on a tie)."""
    if isinstance(output, Value):
        return 1 if output.data > 0.0 else 0
    best = 0
    for k in range(1, len(output)):
        if output[k].data > output[best].data:
            best = k
    return best


def accuracy(model, X, y):
    """The fraction of points whose predicted class equals the label."""
    X, y = _check_data('accuracy', X, y)
    return _fraction_right(predict(model, X), y)


# --------------------------------------------------------------------------
# Helpers


def _fraction_right(predicted, y):
    return sum(p == label for p, label in zip(predicted, y)) / len(y)


def _check_data(function, X, y):
    """X and y as lists, after refusing what training would turn into a nan
    history: a label that is not a class index, a coordinate that is not a
    finite number. The message names the first bad sample."""
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f'{function}: X has {len(X)} points but y has {len(y)} labels')
    if not X:
        raise ValueError(f'{function}: no data: X is empty')
    for i, label in enumerate(y):
        check_int(function, f'y[{i}] (a class index)', label, minimum=0)
    for i, point in enumerate(X):
        try:
            coordinates = list(point)
        except TypeError:
            raise TypeError(f'{function}: X[{i}] must be a list of numbers, got '
                            f'{type(point).__name__}') from None
        for j, coordinate in enumerate(coordinates):
            number = coordinate.data if isinstance(coordinate, Value) else coordinate
            if is_real(number) and not math.isfinite(number):
                raise ValueError(f'{function}: X[{i}][{j}] is {float(number)!r}; the data must be '
                                 f'finite numbers (X[{i}] is {_short(coordinates)})')
    return X, y


def _short(values):
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + '...'


def _model_outputs(model):
    nouts = getattr(model, 'nouts', None)
    if isinstance(nouts, list):
        return nouts[-1]
    return getattr(model, 'nout', 1)


def _loss_and_targets(loss, y, model):
    """The loss function and the targets it wants for class indices y."""
    if callable(loss):
        return loss, y
    name = _losses.for_classes(loss, num_classes(y))
    return _losses.get(name), _losses.class_targets(name, y, _model_outputs(model))


def _make_optimizer(optimizer, model, lr, steps):
    if isinstance(optimizer, _optim.Optimizer):
        if lr is not None:
            raise ValueError('give lr to the optimizer object, not to fit')
        return optimizer
    kind = _optim.OPTIMIZERS.get(optimizer) if isinstance(optimizer, str) else None
    if kind is None:
        raise ValueError(f'unknown optimizer {optimizer!r}; choose one of '
                         f'{", ".join(_optim.OPTIMIZERS)} or pass an optimizer object')
    if lr is None:
        lr = _optim.linear_decay(1.0, 0.1, steps) if kind is _optim.SGD else 0.05
    return kind(model.parameters(), lr=lr)


def _show_progress(bar, history):
    held_out = {'test_acc': _percent(history.val_accuracy[-1])} if history.val_accuracy else {}
    bar.set_postfix(loss=f'{history.loss[-1]:.4f}', acc=_percent(history.accuracy[-1]), **held_out,
                    refresh=False)
    bar.update(1)


def _progress_bar(steps):
    from tqdm.auto import tqdm  # lazy: only when a bar is wanted
    return tqdm(total=steps, desc='training', unit='step', leave=True)


def _percent(fraction):
    return 'n/a' if fraction is None else f'{100 * fraction:.1f}%'
