"""What keeps a traced program honest (autograd/trace.py): its guards.

A replay repeats recorded operations, so it is right only where `fn` would
build the same graph again. Three ways a graph can depend on the data, and
what this module does about each:

* `fn` compares Values (`x > 0`, `max()`, `sorted()`): `Watch` records each
  comparison while `fn` is traced, through the engine's comparison hook, and
  `Guards` checks them all again on the floats of every replay.
* `fn` reads `.data` (or calls `detach()`): `Watch` notes the read, with the
  user's file and line, and `trace` refuses the function.
* anything else (a global, a random draw): `graph_difference` compares a
  graph built again with the recording, once, on the first call with new data.
"""

import os
import sys
import threading

from . import custom, engine, floats, grad_mode, rule
from .engine import Value
from .graph import topo_order
from .replay import _gather


class ReplayError(ValueError):
    """`fn`'s graph depends on its data, so a recording of it cannot be replayed."""


# The most recordings a program keeps for one shape of its arguments, one per
# way the comparisons in fn came out; a function that branches more ways is
# traced again for each call that needs a dropped one (correct, but slower than eager).
MOST_BRANCHES = 8


# --------------------------------------------------------------------------
# What fn does with the data while traced: comparisons (guards) and reads of .data (refused)


class Watch:
    """While entered (on one thread): every comparison of a Value and every
    read of a Value's `.data` that this thread makes outside the engine.

    A comparison (`x > 0`, and so `max()`, `sorted()` of Values) chooses
    which graph fn builds; it is kept, and re-checked on every replay
    (`Guards`). A number read from `.data` enters the graph as a constant
    that no replay can update, so it is refused with the line that read it.
    The engine's own reads (computing a node's value) do not count; a
    Value's `detach()`, `float(v)`, `round(v, n)` and an operation under
    `no_grad()` do: each gives a number read from `.data` (or a leaf holding one).
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
_MODE = vars(grad_mode)  # 'unusual': threads inside no_grad (plus one under detect_anomaly)
# The engine's methods that hand `.data` to the user: a read through them is the user's.
_DETACH, _FLOAT, _ROUND = Value.detach.__code__, Value.__float__.__code__, Value.__round__.__code__


def _read_data(node, getframe=sys._getframe, engine_globals=_ENGINE, mode=_MODE, detach=_DETACH,
               as_float=_FLOAT, as_round=_ROUND, read=_read_slot):
    """`node.data` while some thread traces. The engine's own reads, nearly
    all of them, return at once (the defaults spare global lookups: this runs
    for every read of every thread while any thread traces)."""
    caller = getframe(1)
    if (caller.f_globals is engine_globals and not mode['unusual'] and caller.f_code is not detach
            and caller.f_code is not as_float and caller.f_code is not as_round):
        return read(node)
    return _note_read(node, caller)


def _note_read(node, caller):
    """A read from outside the engine (or by `detach`, `float(v)`, `round(v)`, or
    by an operation under `no_grad()`, whose result is a leaf holding a number
    computed from the data): noted on the innermost watch of this thread, if it traces."""
    watches = _watches.get(threading.get_ident())
    if watches is not None and (caller.f_globals.get('__name__') not in ENGINE_MODULES
                                or caller.f_code in _USER_READS or not engine.is_grad_enabled()):
        watches[-1].data_reads.append(_where(caller))
    return _read_slot(node)


# The modules whose reads of `.data` compute nodes' values (the engine's own):
# where the operations, their rules, the float helpers and primitive() live.
# (engine.py is also checked at once, by identity.) A module split out of the
# engine that reads `.data` belongs here, or every trace that reaches it fails.
ENGINE_MODULES = frozenset(module.__name__ for module in (engine, rule, floats, grad_mode, custom))
_USER_READS = (_DETACH, _FLOAT, _ROUND)


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


class Guards:
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


def graph_difference(old, new, old_inputs, new_inputs, recorded, parameters):
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
# The nodes a guard reads that the output does not need


def outside(order, compared):
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
