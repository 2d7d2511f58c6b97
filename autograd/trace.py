"""A computation recorded once as a flat program: its listing, and fast replays.

    >>> from autograd import Value, trace
    >>> w = Value(3.0, label='w')
    >>> program = trace(lambda x: x * w + x, 0.5)
    >>> program(2.0)                 # the output for x = 2: 2 * 3 + 2
    8.0
    >>> w.grad, program.input_grads  # d/dw = x = 2, d/dx = w + 1 = 4
    (2.0, (4.0,))

`trace(fn, *args)` calls `fn` once, eagerly, and keeps the graph it built.
The numbers in `args` (also inside lists and tuples) became leaf Values, the
program's *inputs*; every other leaf the graph reaches (a model's weights)
is a *parameter*, read live. `program(*new_args)` then recomputes the
output and the gradients for the new numbers, without building a single
new node or sorting the graph again.

Two ways to see it:

* **The Wengert list.** `print(program)` shows the forward pass as a
  straight-line program, one line per node (`t3 = t1 + t2`), and under it
  the adjoint program: the same lines in reverse order, each one the chain
  rule `g_parent += (local derivative) * g_node`. Both are written from the
  rules' own words (`Rule.texts`), so the listing cannot disagree with the
  engine.
* **A replay** (autograd/replay.py). The recording is compiled once into batches of float
  operations over two flat lists, the values and the gradients, so that
  the work per node runs in C (`map`, `operator.itemgetter`), not in a
  Python loop. Nearly all of it is sums of products. Forward, a chain of
  additions (a dot product `w0*x0 + w1*x1 + ...`, a `sum(...)`) is one sum,
  added left to right as the chain adds. Backward, a node's gradient is the
  sum of what its consumers push into it (`b.data * g` into `a` for
  `a * b`, `g` for `a + b`), in the order `backward()` adds them, from 0
  (a parameter: from its own `.grad`). The other operations run as batches
  of their rule's `forward` and of their rule's backward (written out on
  columns for the common built-in rules, or the rule's own `backward` on a
  private copy of each node: a primitive made with `autograd.primitive`
  replays with no code here knowing about it). Every float operation is one
  the eager engine performs, on the same numbers, in the same order, so a
  replay gives the same floats, bit for bit, as building the graph again
  and calling `backward()`.

What a call updates: it returns the output's value; `program.input_grads`
holds d(output)/d(input); every parameter's `.grad` accumulates across
calls exactly as with `backward()`; and the recorded nodes' `.data` is
refreshed, so that outputs a caller kept from the traced call (as `nn.fit`
keeps its model's outputs) show the new values. Two exceptions, both for
speed: the products and partial sums inside a sum (a dot product's
`w_i * x_i` and running totals) are added up without being stored, so
their `.data` stays that of the traced call (unless `trace(fn, keep=...)`
names them: a linear output that mse adds to is such a partial sum); and interior nodes' `.grad` is
not written (it stays 0.0): the gradients live in the program's list.

Why batches, measured on microgpt's training step (4,192 parameters,
49,000 operations; a 2-core VM; benchmarks/gpt.py): a Python loop calling
each node's rule replayed it in 27-29 ms; the batches take about 4-5 ms,
against 40-70 ms for building the graph and `backward()` with the cyclic GC
paused. Compiling a recording costs about 2 us per node, once per shape.
Straight-line generated Python, one statement per node, is out: compiling
it costs about 11 us a statement. The one generated code here is tiny:
`_sum_of_products(k)`, one comprehension per number of terms k, compiled
once per process (docs/design.md has the figures).

Limits, and the guards: a replay repeats the recorded operations, so it is
only right where `fn` builds the same graph for the new arguments. Three
checks make sure a program never answers what the eager engine would not:

* *Comparisons are guards.* While tracing, every comparison of a Value
  (`x > 0`, and so `max()`, `sorted()` of Values) is recorded with its
  result (the engine's comparison hook); each call checks them again on
  the replay's floats, before anything is written. When one comes out the
  other way, that call is traced again (which computes it eagerly) and the
  new branch kept beside the old, up to `MOST_BRANCHES` recordings per shape.
* *Reads of `.data` are refused.* A number read from `.data` (a softmax
  shifted by `max(v.data for v in logits)`, an `if` on `x.data`,
  `x.detach()`) enters the graph as a constant no replay can update, and a
  branch on it cannot be checked; so while `fn` runs, `Value.data` is a
  property that notes who reads it, and `trace` raises `ReplayError` naming
  the file and line of the first read. Only reads by the engine's own code
  (computing a node's value) and by other threads pass. This is JAX's rule
  (a traced value has no concrete number), with the comparisons TorchDynamo
  guards on.
* *What neither sees* (a global, a random draw) is caught once: the first
  call whose inputs or parameters differ from the traced ones builds the
  graph again eagerly and compares it, operation by operation and constant
  by constant, with the recording; a difference raises `ReplayError` naming
  the first differing operation.

Calls from several threads take turns (a lock): a replay computes in lists
of its own.

A replay does not watch for nans: to find where one appears, run `fn`
eagerly inside `autograd.detect_anomaly()`.
"""

import inspect
import threading
from numbers import Real

from . import engine
from .engine import Value
from .graph import cyclic_gc_paused, topo_order
from .guards import MOST_BRANCHES, Guards, ReplayError, Watch, graph_difference, outside
from .replay import Replay, _parameter_float


def trace(fn, *args, keep=None):
    """Record the graph `fn(*args)` builds as a `Program` (see the module docstring).

    `args` are numbers, or lists and tuples of them, nested as deep as you
    like. `fn` gets them as leaf Values labelled by position (`xs[3][1]`)
    and must return a scalar `Value`. Nothing is differentiated yet: call
    the program to get the output's value and the gradients.

    `keep`: a function, called right after each traced call of `fn`, that
    returns the Values (ancestors of the output) whose `.data` every replay
    must refresh, even a partial sum a replay would otherwise not store
    (as `nn.fit` keeps its model's outputs to count the right answers).
    """
    if not callable(fn):
        raise TypeError(f'trace: fn must be a function, got {type(fn).__name__}')
    program = Program(fn, keep)
    program._recording_for(args)
    return program


class Program:
    """`fn` recorded as a flat program, one recording per shape of the arguments.

    `program(*args)` returns fn's output value for `args` and adds d(output)
    / d(parameter) into every parameter's `.grad`, bit for bit as
    `fn(*args).backward()` would with the numbers of `args` passed as leaf
    Values. `program.input_grads` then holds d(output)/d(input) for that
    call, shaped like `args` (a tuple with one entry per argument), as seen
    from the calling thread.

    Arguments of another shape (other list lengths) are traced again, as a
    jit does; so are arguments for which a comparison `fn` made while traced
    comes out the other way (a branch). `len(program)` says how many
    recordings are kept and `program.clear()` drops them all.

    Calls from several threads are safe: they take turns (a lock), because a
    replay computes in lists it owns. Each call still adds into the
    parameters' shared `.grad`, as `backward()` calls from several threads would.
    """

    def __init__(self, fn, keep=None):
        self.fn = fn
        self.keep = keep  # see `trace`
        self._recordings = {}  # shape -> its recordings, the most recently used first
        self._last = None
        self._lock = threading.RLock()
        self._calls = threading.local()  # this thread's last input_grads

    @property
    def input_grads(self):
        """d(output)/d(input) of this thread's last call, shaped like its arguments."""
        return getattr(self._calls, 'input_grads', None)

    def __call__(self, *args):
        numbers, shape = _flatten(args)
        with self._lock:
            recording, value = self._run(args, numbers, shape)
            self._last = recording
            self._calls.input_grads = recording.input_grads(args)
        return value

    def _run(self, args, numbers, shape):
        """(the recording that answered, the output's value): the first
        recording of this shape whose guards hold for `numbers`, else a new one."""
        recordings = self._recordings.get(shape, ())
        for k, recording in enumerate(recordings):
            value = recording.run(numbers, self.fn, args)
            if value is not None:
                if k:  # the branch taken now goes first next time
                    recordings.insert(0, recordings.pop(k))
                return recording, value
        recording = self._record(args, shape)
        value = recording.run(numbers, self.fn, args)
        if value is None:
            raise ReplayError(
                "trace: fn's comparisons came out differently on a replay of the very arguments "
                'it was traced with, so its graph depends on something besides its arguments and '
                'the Values it reads (a global, a random draw). Fix: make fn depend on its '
                'arguments only, or stay eager: fn(*args).backward().')
        return recording, value

    def __len__(self):
        return sum(map(len, self._recordings.values()))

    def clear(self):
        """Forget every recording; the next call traces again."""
        with self._lock:
            self._recordings.clear()
            self._last = None

    def listing(self, full=False):
        """The forward program and the backward (adjoint) program, as text.

        Of the most recently recorded or called shape. Long programs are
        elided to their first and last lines with counts per operation,
        unless `full=True`.
        """
        last = self._last
        if last is None:
            return 'no recording (cleared): call the program to trace fn again'
        return last.listing(full)

    __str__ = listing

    def __repr__(self):
        name = getattr(self.fn, '__name__', type(self.fn).__name__)
        shapes, count = len(self._recordings), len(self)
        branches = f' ({count} recordings: fn branches)' if count > shapes else ''
        last = f', the last with {len(self._last.interior):,} operations' if self._last else ''
        return f'<Program of {name}: {shapes} recorded shape(s){branches}{last}>'

    def _recording_for(self, args):
        numbers, shape = _flatten(args)
        with self._lock:
            recordings = self._recordings.get(shape)
            return recordings[0] if recordings else self._record(args, shape)

    def _record(self, args, shape):
        """A new recording for `args`, first among its shape's; the least recently
        used of that shape's is dropped past `MOST_BRANCHES`."""
        with cyclic_gc_paused():
            recording = Recording(self.fn, args, self.keep)
        recordings = self._recordings.setdefault(shape, [])
        recordings.insert(0, recording)
        del recordings[MOST_BRANCHES:]
        self._last = recording
        return recording


class Recording:
    """One shape's program: the recorded nodes in topological order (for the
    listing and the guard), and the batches that replay them (`autograd.replay.Replay`)."""

    def __init__(self, fn, args, keep=None):
        self.names = _argument_names(fn, len(args))
        self.inputs = []
        leaves = _as_leaves(args, self.names, self.inputs)
        watch = Watch()
        root = _call(fn, leaves, watch)
        self.root = root
        order = topo_order(root)
        self.interior = [node for node in order if node.rule is not None]
        input_set = set(self.inputs)
        self.parameters = [node for node in order if node.rule is None and node not in input_set]
        self.order = order
        # The data seen while tracing; the check waits for a call that differs from it.
        self.traced_data = [x.data for x in self.inputs], [p.data for p in self.parameters]
        self.unchecked = True
        compared = watch.compared()
        self._replay = None
        if root.rule is not None:
            extra = outside(order, compared)
            kept = [*compared, *(keep() if keep is not None else ())]
            self._replay = Replay(order, self.inputs, self.parameters, kept, extra)
        self.guards = Guards(watch.comparisons, self._slots(compared)) if compared else None

    def _slots(self, compared):
        """Each compared Value's slot among the replay's floats (see `_Guards`)."""
        slots = {leaf: slot for slot, leaf in enumerate(self.inputs + self.parameters)}
        if self._replay is not None:
            slots.update(self._replay.kept)
        for node, where in compared.items():
            if node not in slots:  # fn returned a leaf and compared a node it computed
                raise ReplayError(
                    f'trace: fn returns a leaf Value but compares a computed one at {where}, '
                    f'which a replay of a leaf does not compute. Fix: stay eager: '
                    f'fn(*args).backward().')
        return slots

    def run(self, numbers, fn, args):
        """Forward and backward for the flat input numbers; returns the output's
        data, or None (having changed nothing) when a guard fails: a comparison
        fn made while traced comes out the other way for these numbers."""
        replay = self._replay
        if replay is None:  # fn returned a leaf: the floats are the inputs' and the parameters'
            data = list(numbers) + [_parameter_float(p) for p in self.parameters]
        elif self.guards is None:
            data = replay.run_forward(numbers)
        else:
            try:
                data = replay.run_forward(numbers)
            except (ArithmeticError, ValueError):
                return None  # e.g. a primitive out of its domain on a branch fn would not take
        if self.guards is not None and not self.guards.hold(data):
            return None
        if self.unchecked:
            with cyclic_gc_paused():
                self.check(fn, args, numbers)
        if replay is not None:
            return replay.run_backward(numbers)
        # fn returned a leaf: d(leaf)/d(leaf) = 1, accumulated as backward() does.
        for leaf, number in zip(self.inputs, numbers):
            leaf.data = number
            leaf.grad = 0.0
        root = self.root
        if root.data.__class__ is not float:
            root.data = _parameter_float(root)
        root.grad += 1.0
        return root.data

    def input_grads(self, args):
        grads = iter([leaf.grad for leaf in self.inputs])
        return tuple(_unflatten(arg, grads) for arg in args)

    # ----------------------------------------------------------------------
    # The honesty guard

    def check(self, fn, args, numbers):
        """Build fn's graph again for `args` and compare it with the recording.

        Waits (returns) while the inputs and parameters are those seen when
        tracing: the same data must build the same graph. The first call
        with other data is checked once; a difference raises `ReplayError`.
        Nothing is differentiated and no `.grad` is touched. (This catches
        what the guards cannot see: fn reading state other than its
        arguments and Values, such as a global or a random draw.)
        """
        if (numbers, [p.data for p in self.parameters]) == self.traced_data:
            return
        inputs = []
        root = _call(fn, _as_leaves(args, self.names, inputs))
        rebuilt = topo_order(root)
        recorded_inputs = {leaf: index for index, leaf in enumerate(self.inputs)}
        rebuilt_inputs = {leaf: index for index, leaf in enumerate(inputs)}
        parameters = set(self.parameters)
        recorded = {}  # rebuilt node -> the recorded node in its place
        get = recorded.get
        for index, (old, new) in enumerate(zip(self.order, rebuilt)):
            recorded[new] = old
            # The common case, quickly: the same operation on the same nodes and constants.
            rule = new.rule
            if (rule is not None and old.rule is rule and old.constant == new.constant
                    and old.parents == tuple(map(get, new.parents))):
                continue
            why = graph_difference(old, new, recorded_inputs, rebuilt_inputs, recorded, parameters)
            if why:
                self._refuse(index, old, new, rebuilt, why)
        if len(rebuilt) != len(self.order):
            self._refuse(min(len(rebuilt), len(self.order)), None, None, rebuilt,
                         f'the graph has {len(rebuilt)} nodes now and had {len(self.order)} when traced')
        self.unchecked = False

    def _refuse(self, index, old, new, rebuilt, why):
        names = self._names()
        new_names = {node: names[old_node] for node, old_node in zip(rebuilt, self.order)}

        def line(node, names):
            if node is None:
                return '(no node)'
            if node.rule is None:
                return f'{names.get(node, "a leaf")} (a leaf, data {node.data!r})'
            return _forward_line(node, lambda v: names.get(v, '?'), names.get(node, '?'))

        raise ReplayError(
            f"trace: fn's graph depends on its data, so this program cannot be replayed.\n"
            f'Built again for new arguments, node {index + 1} of {len(self.order)} differs:\n'
            f'  recorded: {line(old, names)}\n'
            f'  now:      {line(new, new_names)}\n'
            f'because {why}.\n'
            f'Fix: compute it with graph operations (e.g. autograd.maximum(*logits) instead of '
            f'max(v.data for v in logits), or a branchless formula instead of an if on .data), '
            f'or stay eager: fn(*args).backward().')

    # ----------------------------------------------------------------------
    # The listing

    def _names(self):
        """A name for every node: leaves by their label, interior nodes t1, t2, ...

        A leaf whose label is missing, taken, has a space or looks like an
        interior node's name (t7) is called x<k> (an input) or p<k>.
        """
        names = {}
        taken = set()
        unnamed = {'x': 0, 'p': 0}
        for node in self.order:
            if node.rule is None:
                label = node.label
                if (not label or label in taken or any(c.isspace() for c in label)
                        or (label[0] == 't' and label[1:].isdigit())):
                    prefix = 'x' if node in self.inputs else 'p'
                    unnamed[prefix] += 1
                    label = f'{prefix}{unnamed[prefix]}'
                    while label in taken:
                        unnamed[prefix] += 1
                        label = f'{prefix}{unnamed[prefix]}'
                names[node] = label
                taken.add(label)
        for number, node in enumerate(self.interior, 1):
            names[node] = f't{number}'
        return names

    def listing(self, full=False, limit=40):
        """See `Program.listing`; `limit`: the most lines of code shown unelided."""
        names = self._names()

        def show(v):
            return names[v]

        forward, backward = [], []
        for node in self.interior:
            line = f'{names[node]} = {node.rule.texts(node, show)[0]}'
            forward.append(f'{line:<28}  # {node.label}' if node.label else line)
        for node in reversed(self.interior):
            g_out = 'g_' + names[node]
            for parent, derivative in zip(node.parents, node.rule.texts(node, show)[1]):
                term = g_out if derivative == '1' else f'{derivative} * {g_out}'
                backward.append(f'g_{names[parent]} += {term}')
        elide = not full and len(forward) + len(backward) > limit
        inputs = _names_of(self.inputs, names, elide)
        parameters = _names_of(self.parameters, names, elide)
        root = names[self.root]
        lines = [f'forward: inputs {inputs}; parameters (read live) {parameters}']
        if elide:
            lines.append('  operations: ' + '; '.join(f'{text}: {count:,}'
                                                    for text, count in _census(self.interior)))
        lines += _indent(forward, elide, limit // 4)
        lines.append(f'  return {root}')
        lines.append(f'backward: every g_ starts at 0 (parameters keep theirs), then g_{root} = 1')
        lines += _indent(backward, elide, limit // 4)
        return '\n'.join(lines)


# --------------------------------------------------------------------------
# Arguments: numbers in, leaf Values out


def _flatten(args):
    """(the numbers of `args` as floats, depth first; a hashable shape)."""
    numbers = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            if all(type(item) is float for item in x):  # a row of floats, the common case, at once
                numbers.extend(x)
                return type(x).__name__, (None,) * len(x)
            return type(x).__name__, tuple(map(walk, x))
        if isinstance(x, bool) or not isinstance(x, Real):
            raise TypeError(f'trace: argument {_path_to(x, args)} is {type(x).__name__}: {x!r}; '
                            f'a traced program takes numbers and lists or tuples of numbers')
        numbers.append(float(x))
        return None

    shape = tuple(map(walk, args))
    return numbers, shape


def _path_to(target, args):
    """Where `target` sits in `args`, as `args[0][3]` (for an error message)."""
    stack = [(arg, f'args[{i}]') for i, arg in reversed(list(enumerate(args)))]
    while stack:
        x, path = stack.pop()
        if x is target:
            return path
        if isinstance(x, (list, tuple)):
            stack.extend((item, f'{path}[{i}]') for i, item in reversed(list(enumerate(x))))
    return 'args'


def _argument_names(fn, count):
    """fn's positional parameter names for `count` arguments (args[i] past them)."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f'args[{i}]' for i in range(count)]


def _as_leaves(args, names, inputs):
    """`args` with every number replaced by a leaf Value labelled by its position."""

    def convert(x, path):
        if isinstance(x, (list, tuple)):
            return type(x)(convert(item, f'{path}[{i}]') for i, item in enumerate(x))
        leaf = Value(x, label=path)
        inputs.append(leaf)
        return leaf

    return [convert(arg, name) for arg, name in zip(args, names)]


def _unflatten(arg, grads):
    if isinstance(arg, (list, tuple)):
        return type(arg)(_unflatten(item, grads) for item in arg)
    return next(grads)


def _call(fn, leaves, watch=None):
    """fn(*leaves), checked to be a Value; with `watch`, fn's comparisons and
    reads of `.data` recorded on it, and those reads refused."""
    if not engine.is_grad_enabled():
        raise RuntimeError('trace: called inside no_grad(), where no graph is built to record')
    if watch is None:
        root = fn(*leaves)
    else:
        with watch:
            root = fn(*leaves)
        watch.refuse_data_reads()
    if not isinstance(root, Value):
        raise TypeError(f'trace: fn must return one scalar Value, got {type(root).__name__}'
                        + (f' of {len(root)} items; return a loss such as sum(...)'
                           if isinstance(root, (list, tuple)) else ''))
    return root


# --------------------------------------------------------------------------
# Listing helpers


def _forward_line(node, show, name):
    return f'{name} = {node.rule.texts(node, show)[0]}'


def _census(interior):
    """(operation in words, count) for each operation, most frequent first."""
    counts = {}
    for node in interior:
        rule = node.rule
        counts[rule] = counts.get(rule, 0) + 1
    return sorted(((_generic_text(rule), count) for rule, count in counts.items()),
                  key=lambda item: -item[1])


def _generic_text(rule):
    if rule.operands is None:
        return rule.expression.format(args='...')
    return rule.expression.format(**{name: name for name in rule.operands})


def _names_of(nodes, names, elide):
    if not nodes:
        return 'none'
    if elide and len(nodes) > 6:
        return f'{names[nodes[0]]}, {names[nodes[1]]}, ..., {names[nodes[-1]]} ({len(nodes):,})'
    return ', '.join(names[node] for node in nodes)


def _indent(lines, elide, keep):
    if elide and len(lines) > 2 * keep:
        hidden = len(lines) - 2 * keep
        lines = lines[:keep] + [f'... {hidden:,} more lines ...'] + lines[-keep:]
    return ['  ' + line for line in lines]
