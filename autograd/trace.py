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
their `.data` stays that of the traced call; and interior nodes' `.grad` is
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

Limits, and the honesty guard: a replay repeats the recorded operations, so
it is only right if `fn` builds the same graph for every argument. A Python
`if` on `.data`, `max()` of Values, or a constant read from `.data` (softmax
shifted by `max(v.data for v in logits)`) make the graph depend on the data.
On the first call whose inputs or parameters differ from the traced ones,
the program builds the graph again eagerly and compares it, operation by
operation and constant by constant, with the recording; a difference raises
`ReplayError` naming the first differing operation. The guard is a check of
one call, not a proof: a branch that happens to go the same way on that
call is not caught.

A replay does not watch for nans: to find where one appears, run `fn`
eagerly inside `autograd.detect_anomaly()`.
"""

import inspect
import os
import sys
import threading
from numbers import Real

from . import engine
from .engine import Value
from .graph import cyclic_gc_paused, topo_order
from .replay import Replay, _gather, _parameter_float


class ReplayError(ValueError):
    """`fn`'s graph depends on its data, so a recording of it cannot be replayed."""


def trace(fn, *args):
    """Record the graph `fn(*args)` builds as a `Program` (see the module docstring).

    `args` are numbers, or lists and tuples of them, nested as deep as you
    like. `fn` gets them as leaf Values labelled by position (`xs[3][1]`)
    and must return a scalar `Value`. Nothing is differentiated yet: call
    the program to get the output's value and the gradients.
    """
    if not callable(fn):
        raise TypeError(f'trace: fn must be a function, got {type(fn).__name__}')
    program = Program(fn)
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

    def __init__(self, fn):
        self.fn = fn
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
            recording = Recording(self.fn, args)
        recordings = self._recordings.setdefault(shape, [])
        recordings.insert(0, recording)
        del recordings[MOST_BRANCHES:]
        self._last = recording
        return recording


# The most recordings kept for one shape of the arguments, one per way the
# comparisons in fn came out; a function that branches more ways is traced
# again for each call that needs a dropped one (correct, but slower than eager).
MOST_BRANCHES = 8


class Recording:
    """One shape's program: the recorded nodes in topological order (for the
    listing and the guard), and the batches that replay them (`autograd.replay.Replay`)."""

    def __init__(self, fn, args):
        self.names = _argument_names(fn, len(args))
        self.inputs = []
        leaves = _as_leaves(args, self.names, self.inputs)
        watch = _Watch()
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
            extra = _outside(order, compared)
            self._replay = Replay(order, self.inputs, self.parameters, compared, extra)
        self.guards = _Guards(watch.comparisons, self._slots(compared)) if compared else None

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
        if replay is not None:
            if self.guards is None:
                data = replay.run_forward(numbers)
            else:
                try:
                    data = replay.run_forward(numbers)
                except Exception:
                    return None  # e.g. a primitive out of its domain on a branch fn would not take
                if not self.guards.hold(data):
                    return None
            if self.unchecked:
                self.check(fn, args, numbers)
            return replay.run_backward(numbers)
        # fn returned a leaf: d(leaf)/d(leaf) = 1, accumulated as backward() does.
        if self.guards is not None and not self.guards.hold(
                list(numbers) + [_parameter_float(p) for p in self.parameters]):
            return None
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
            why = _difference(old, new, recorded_inputs, rebuilt_inputs, recorded, parameters)
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


def _outside(order, compared):
    """The nodes the compared Values need that are not in `order` (not
    ancestors of the output), in topological order."""
    inside = set(order)
    extra = []
    for node in compared:
        if node not in inside:
            for x in topo_order(node):
                if x not in inside:
                    inside.add(x)
                    extra.append(x)
    return extra


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
# What fn does with the data while traced: comparisons (guards) and reads of .data (refused)


class _Watch:
    """While entered (on one thread): every comparison of a Value and every
    read of a Value's `.data` that this thread makes outside the engine.

    A comparison (`x > 0`, and so `max()`, `sorted()` of Values) chooses
    which graph fn builds; it is kept, and re-checked on every replay
    (`_Guards`). A number read from `.data` enters the graph as a constant
    that no replay can update, so it is refused with the line that read it.
    The engine's own reads (computing a node's value) do not count; a
    Value's `detach()` does: it is a number read from `.data`.
    """

    def __init__(self):
        self.comparisons = []  # (node, op, other, result, where)
        self.data_reads = []  # where

    def __enter__(self):
        with _watch_lock:
            if not _watches:
                Value.data = _WATCHED_DATA
                engine._comparison_watcher = _on_comparison
            _watches.setdefault(threading.get_ident(), []).append(self)
        return self

    def __exit__(self, *exc):
        with _watch_lock:
            thread = threading.get_ident()
            _watches[thread].pop()
            if not _watches[thread]:
                del _watches[thread]
            if not _watches:
                Value.data = _DATA
                engine._comparison_watcher = None

    def compared(self):
        """{Value fn compared: where it was first compared}."""
        nodes = {}
        for node, _, other, _, where in self.comparisons:
            for x in (node, other):
                if isinstance(x, Value):
                    nodes.setdefault(x, where)
        return nodes

    def refuse_data_reads(self):
        if self.data_reads:
            more = len(self.data_reads) - 1
            raise ReplayError(
                f'trace: fn reads .data at {self.data_reads[0]}'
                + (f' (and {more} more time{"s" if more > 1 else ""})' if more else '')
                + ': a number taken out of the graph is frozen into the recording, so a replay '
                  'for other data would compute with a stale number, and a branch on it cannot be '
                  'checked. Fix: compute it with graph operations (autograd.maximum(*logits) '
                  'instead of max(v.data for v in logits); compare Values, x > 0, not x.data > 0, '
                  'which the program re-checks on every call), read .data after the call, '
                  'or stay eager: fn(*args).backward().')


_DATA = Value.__dict__['data']  # the slot's own descriptor, restored when no thread traces
_read_slot = _DATA.__get__
_watches = {}  # thread id -> the watches entered on it, innermost last
_watch_lock = threading.Lock()
_ENGINE = vars(engine)
_DETACH = Value.detach.__code__


def _read_data(node):
    """`node.data` while some thread traces: a read from this thread's traced
    fn, outside the engine's own operations, is noted on its watch."""
    watches = _watches.get(threading.get_ident())
    if watches is not None:
        caller = sys._getframe(1)
        if caller.f_globals is not _ENGINE or caller.f_code is _DETACH:
            watches[-1].data_reads.append(_where(caller))
    return _read_slot(node)


# While any thread traces, `Value.data` is this property over the slot: the
# engine pays for it only then, and not at all in eager code or replays.
_WATCHED_DATA = property(_read_data, _DATA.__set__, doc=_DATA.__doc__)


def _on_comparison(node, op, other, result):
    """The engine's comparison hook: noted on this thread's innermost watch, if any."""
    watches = _watches.get(threading.get_ident())
    if watches is not None:
        other = other if isinstance(other, Value) else float(other)
        watches[-1].comparisons.append((node, op, other, result, _where(sys._getframe(1))))


_HERE = os.path.dirname(os.path.abspath(__file__))
_STDLIB = os.path.dirname(os.path.abspath(os.__file__))


def _where(frame):
    """'file:line' of the innermost caller outside autograd and the standard
    library (the user's line behind `copy.copy(x)` or `max(values)`)."""
    first = frame
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not (path.startswith(_HERE + os.sep) or path.startswith(_STDLIB + os.sep)):
            break
        frame = frame.f_back
    frame = frame or first
    return f'{frame.f_code.co_filename}:{frame.f_lineno}'


class _Guards:
    """The comparisons fn made while traced, re-checked on the floats of each replay.

    Each is kept as (op, slot of the Value, slot of the other Value or the
    number, the result while traced); comparisons of one kind are checked
    together, a column at a time (`map` in C). `slots` maps every compared
    Value to its slot in the replay's data (inputs, then parameters, then
    the computed nodes the replay keeps for the guards).
    """

    def __init__(self, comparisons, slots):
        groups = {}  # (op, other is a Value) -> ([slot], [slot or number], [result])
        for node, op, other, result, _ in comparisons:
            is_value = isinstance(other, Value)
            left, right, results = groups.setdefault((op, is_value), ([], [], []))
            left.append(slots[node])
            right.append(slots[other] if is_value else other)
            results.append(result)
        self.batches = [(op, _gather(left), _gather(right) if is_value else tuple(right), results)
                        for (op, is_value), (left, right, results) in groups.items()]
        self.count = len(comparisons)

    def hold(self, data):
        """Whether every comparison comes out as it did while traced, for `data`."""
        for op, left, right, results in self.batches:
            if list(map(op, left(data), right if type(right) is tuple else right(data))) != results:
                return False
        return True


# --------------------------------------------------------------------------
# The guard's comparison


def _difference(old, new, old_inputs, new_inputs, recorded, parameters):
    """Why node `new` of the rebuilt graph is not node `old` of the recording ('' if it is).

    `recorded` maps the rebuilt nodes met so far to the recorded nodes in
    their places; `parameters` are the recording's parameters."""
    if (old.rule is None) != (new.rule is None):
        return 'an operation was taken where a leaf was, or the reverse: a branch on .data'
    if old.rule is None:
        if old in old_inputs or new in new_inputs:
            if old_inputs.get(old) != new_inputs.get(new):
                return 'another input (or a leaf instead of an input) is used here: a branch on .data'
            return ''
        if old is new:
            return ''
        if new in parameters:
            return 'another leaf Value is used here: a branch on .data (e.g. max() of Values) chose other nodes'
        if old.data == new.data or (old.data != old.data and new.data != new.data):
            return ''  # a constant leaf made inside fn, the same both times
        return ('a leaf Value made inside fn has other data, e.g. Value(x.data) or x.detach(): '
                'a number read from .data')
    if old.rule is not new.rule:
        return (f'the operation is {new.rule.name!r} now and was {old.rule.name!r}: '
                f'a Python if (or min/max of Values) on .data chose another branch')
    if old.parents != tuple(map(recorded.get, new.parents)):
        return 'its operands are other nodes now: a branch on .data (e.g. max() of Values) chose them'
    if not _same_constants(old.constant, new.constant):
        return ('a constant in it changed: a number computed from .data (e.g. max(v.data for v in logits)), '
                'or a Python if on .data chose another branch')
    return ''


def _same_constants(c, d):
    if type(c) is tuple and type(d) is tuple:
        return len(c) == len(d) and all(_same_constants(x, y) for x, y in zip(c, d))
    if c is None or d is None or type(c) is tuple or type(d) is tuple:
        return c is d
    return c == d or (c != c and d != d)


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
