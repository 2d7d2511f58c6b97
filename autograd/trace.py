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
* **A replay.** The recording is compiled once into batches of float
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

import collections
import functools
import inspect
import itertools
import math
import operator
from functools import reduce
from numbers import Real
from operator import add, mul

from . import engine
from .engine import Value
from .graph import cyclic_gc_paused, topo_order


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
    call, shaped like `args` (a tuple with one entry per argument).

    Arguments of another shape (other list lengths) are traced again, as a
    jit does; `len(program)` says how many recordings are kept and
    `program.clear()` drops them all.
    """

    def __init__(self, fn):
        self.fn = fn
        self._recordings = {}
        self._last = None
        self.input_grads = None

    def __call__(self, *args):
        numbers, shape = _flatten(args)
        recording = self._recordings.get(shape)
        if recording is None:
            recording = self._record(args, shape)
        elif recording.unchecked:
            with cyclic_gc_paused():
                recording.check(self.fn, args, numbers)
        self._last = recording
        value = recording.run(numbers)
        self.input_grads = recording.input_grads(args)
        return value

    def __len__(self):
        return len(self._recordings)

    def clear(self):
        """Forget every recording; the next call traces again."""
        self._recordings.clear()
        self._last = None

    def listing(self, full=False):
        """The forward program and the backward (adjoint) program, as text.

        Of the most recently recorded or called shape. Long programs are
        elided to their first and last lines with counts per operation,
        unless `full=True`.
        """
        if self._last is None:
            return 'no recording (cleared): call the program to trace fn again'
        return self._last.listing(full)

    __str__ = listing

    def __repr__(self):
        name = getattr(self.fn, '__name__', type(self.fn).__name__)
        last = f', the last with {len(self._last.interior):,} operations' if self._last else ''
        return f'<Program of {name}: {len(self._recordings)} recorded shape(s){last}>'


    def _recording_for(self, args):
        numbers, shape = _flatten(args)
        return self._recordings.get(shape) or self._record(args, shape)

    def _record(self, args, shape):
        with cyclic_gc_paused():
            recording = Recording(self.fn, args)
        self._recordings[shape] = self._last = recording
        return recording


class Recording:
    """One shape's program: the recorded nodes in topological order (for the
    listing and the guard), and the batches that replay them (`_Replay`)."""

    def __init__(self, fn, args):
        self.names = _argument_names(fn, len(args))
        self.inputs = []
        leaves = _as_leaves(args, self.names, self.inputs)
        root = _call(fn, leaves)
        self.root = root
        order = topo_order(root)
        self.interior = [node for node in order if node._rule is not None]
        input_set = set(self.inputs)
        self.parameters = [node for node in order if node._rule is None and node not in input_set]
        self.order = order
        # The data seen while tracing; the guard waits for a call that differs from it.
        self.traced_data = [x.data for x in self.inputs], [p.data for p in self.parameters]
        self.unchecked = True
        self._replay = _Replay(order, self.inputs, self.parameters) if root._rule is not None else None

    def run(self, numbers):
        """Forward and backward for the flat input numbers; returns the output's data."""
        if self._replay is not None:
            return self._replay.run(numbers)
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
        Nothing is differentiated and no `.grad` is touched.
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
        for index, (old, new) in enumerate(zip(self.order, rebuilt)):
            recorded[new] = old
            # The common case, quickly: the same operation on the same nodes and constants.
            if (old._rule is new._rule and old._rule is not None and old._const == new._const
                    and old._prev == tuple(map(recorded.get, new._prev))):
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
            if node._rule is None:
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
            if node._rule is None:
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
            line = f'{names[node]} = {node._rule.texts(node, show)[0]}'
            forward.append(f'{line:<28}  # {node.label}' if node.label else line)
        for node in reversed(self.interior):
            g_out = 'g_' + names[node]
            for parent, derivative in zip(node._prev, node._rule.texts(node, show)[1]):
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


def _parameter_float(leaf):
    number = engine._as_number(leaf.data)
    if number is None:
        name = leaf.label or repr(leaf)
        raise TypeError(f'trace: parameter {name} has data {leaf.data!r}; '
                        f'a Value holds a real number')
    return number


def _unflatten(arg, grads):
    if isinstance(arg, (list, tuple)):
        return type(arg)(_unflatten(item, grads) for item in arg)
    return next(grads)


def _call(fn, leaves):
    if not engine.is_grad_enabled():
        raise RuntimeError('trace: called inside no_grad(), where no graph is built to record')
    root = fn(*leaves)
    if not isinstance(root, Value):
        raise TypeError(f'trace: fn must return one scalar Value, got {type(root).__name__}'
                        + (f' of {len(root)} items; return a loss such as sum(...)'
                           if isinstance(root, (list, tuple)) else ''))
    return root


# --------------------------------------------------------------------------
# The replay: the recording compiled into batches over two lists of floats


class _Replay:
    """A recording as batches of float operations on two flat lists.

    `data[s]` holds a value: the inputs, the parameters, the constants, then
    every node the replay computes, laid out so that each forward batch
    writes one contiguous slice. `grads[s]` holds a gradient, or a piece
    pushed into one. A batch gathers its operands as columns (`_gather`:
    `itemgetter`, in C) and computes every row at once.

    Forward. A chain of additions whose partial sums are used nowhere else
    (`t0 + t1 + ... + tn`) is one sum (`_find_sums`): a term that is a
    product used only there is computed inside it (`a * b`), any other term
    `t` enters as `t * 1.0` (exact), and the terms are added left to right
    as the chain adds them; the partial sums and those products are never
    stored. Every other node is batched with the nodes of its rule at its
    level (1 + the deepest level it reads): `data[lo:hi] = map(forward, ...)`.

    Backward. A node's gradient is the sum, in the order `backward()` adds
    them, of what its consumers push: `start + x1 * g1 + x2 * g2 + ...`,
    where g is a consumer's gradient and x a value (`b.data` into a, for
    `a * b`; 1.0 for `+`), and start is 0.0 (a parameter: its own `.grad`).
    So gradients are sums of products too, computed by the same steps. The
    rules whose push is not a value times a gradient (relu, division, ...)
    compute their pushes first, in batches, into slots of `grads` (`_EDGES`,
    `_stand_ins`). A node whose only push is a gradient g unchanged (a term
    of a sum, a product inside one) shares g's slot: 0.0 + g == g for every
    g that is a sum from 0.0 (never -0.0) or the root's 1.0 -- but not for a
    pushed piece, which may be -0.0.
    """

    def __init__(self, order, inputs, parameters):
        n = len(order)
        index = dict(zip(order, range(n)))
        input_set = set(inputs)
        self.inputs, self.parameters = inputs, parameters

        # Each node's operands as indices, read from the nodes once. A
        # constant is an operand like any other: it is numbered after the
        # nodes, and its value sits in a slot of `data` that no step writes.
        constants = {}  # float.hex() -> index

        def constant(number):
            return constants.setdefault(number.hex(), (n + len(constants), number))[0]

        one = constant(1.0)
        position = index.__getitem__
        operands = [() if node._rule is None
                    else tuple(map(position, node._prev)) if node._const is None
                    else tuple(position(x) if isinstance(x, Value) else constant(x)
                               for x in engine.arguments(node))
                    for node in order]
        numbers = [number for _, number in constants.values()]
        rules = [node._rule for node in order] + [None] * len(numbers)
        counts = collections.Counter(itertools.chain.from_iterable(operands))
        uses = [counts[i] for i in range(len(rules))]  # how many times each is an operand
        root = n - 1

        # Data slots: inputs, parameters, constants; the computed nodes get theirs per batch.
        leaves = len(inputs) + len(parameters)
        data_slot = [None] * n + list(range(leaves, leaves + len(numbers)))
        for slot, leaf in enumerate(inputs):
            if leaf in index:
                data_slot[index[leaf]] = slot
        for slot, leaf in enumerate(parameters, len(inputs)):
            data_slot[index[leaf]] = slot
        self.data = [0.0] * leaves + numbers

        sums, fused = _find_sums(rules, operands, uses, one)
        self.forward, units = self._plan_forward(rules, operands, sums, fused, data_slot)
        self.units = [order[i] for i in units]
        self.units_start = len(self.data) - len(units)
        self.root_slot = data_slot[root]
        grad_slot = self._plan_backward(order, rules, operands, one, data_slot, input_set)
        self.input_slots = _gather([grad_slot(index[x]) if x in index else _ZERO for x in inputs])
        self.parameter_slots = _gather([grad_slot(index[p]) for p in parameters])

    # ----------------------------------------------------------------------
    # Forward

    def _plan_forward(self, rules, operands, sums, fused, data_slot):
        """The forward steps, and the computed nodes in the order of their data slots.

        A node's level is 1 + the largest level among what it reads (0 for
        leaves and constants), so a batch of one level reads only what earlier
        batches wrote.
        """
        level = [0] * len(rules)
        batches = {}  # (level, rule or _SUM, number of operands or terms) -> nodes
        for i, rule in enumerate(rules):
            if rule is None or i in fused:
                continue
            terms = sums.get(i, ())
            if terms is None:  # inside a sum
                continue
            if terms:
                a, b = terms
                depth = max(max(map(level.__getitem__, a)), max(map(level.__getitem__, b)))
                key = (_SUM, len(a))
            else:
                depth = max(map(level.__getitem__, operands[i]))
                key = (rule, len(operands[i]))
            level[i] = depth + 1
            batches.setdefault((depth + 1,) + key, []).append(i)
        batches = sorted(batches.items(), key=lambda item: item[0][0])  # stable: a level's batches as met

        units = [i for _, members in batches for i in members]
        for slot, i in enumerate(units, len(self.data)):
            data_slot[i] = slot
        self.data += [0.0] * len(units)

        slot = data_slot.__getitem__
        steps = []
        for (_, what, width), members in batches:
            lo, hi = data_slot[members[0]], data_slot[members[-1]] + 1
            if what is _SUM:
                a = [list(map(slot, sums[i][0])) for i in members]
                b = [list(map(slot, sums[i][1])) for i in members]
                steps.append(_sums_step(lo, hi, None, a, b))
            else:
                columns = [_gather(list(map(slot, column)))
                           for column in zip(*map(operands.__getitem__, members))]
                steps.append((_apply, (lo, hi, _FAST_FORWARD.get(what), _float_forward(what), columns)))
        return steps, units

    # ----------------------------------------------------------------------
    # Backward

    def _plan_backward(self, order, rules, operands, one, data_slot, input_set):
        """Sets `self.backward` and `self.grads`; returns a function giving
        the grads slot of each node.

        Walks the nodes as `backward()` does (reversed topological order),
        so the pushes into each node are listed in the order backward() adds
        them: push i into a node is values[i] * grads[i], values naming an
        operand (a node or a constant), grads a gradient. Gradients are named
        by ids first (a node's own sum: its index; a piece pushed by a rule's
        batch: an id from len(rules) on), and given slots once the batches are
        known. A gradient's *stage* is 1 + the latest stage of what it reads;
        the root's is 0.
        """
        n = len(order)
        root = n - 1
        values = [[] for _ in rules]  # what each node (or constant: unread) is pushed, in backward()'s order
        grads = [[] for _ in rules]
        grad_id = [None] * n
        stage = [0] * len(rules)  # by grad id; the pieces' are appended
        sums = {}  # (stage, number of pushes) -> nodes whose gradient is summed there
        edges = {}  # (stage, rule, which operands are Values) -> [(node, ids of its pieces)]
        ADD, ADD_CONST, MUL, MUL_CONST, EXP = (engine.ADD, engine.ADD_CONST, engine.MUL,
                                               engine.MUL_CONST, engine.EXP)
        ONE = [one]

        for i in range(root, -1, -1):
            rule = rules[i]
            if rule is None:
                continue
            mine = grads[i]
            if len(mine) == 1 and mine[0] < n and values[i] == ONE:
                # Its one push is a gradient g unchanged, and 0 + g = g: it shares g's slot.
                # (A sum that starts from 0.0 is never -0.0, nor is the root's 1.0.)
                g = mine[0]
            elif i == root:
                g = i
            else:
                g = i
                stage[i] = 1 + max(map(stage.__getitem__, mine))
                sums.setdefault((stage[i], len(mine)), []).append(i)
            grad_id[i] = g
            args = operands[i]
            if rule is ADD or rule is ADD_CONST:  # a.grad += g (and b.grad += g)
                for x in args:
                    values[x].append(one)
                    grads[x].append(g)
            elif rule is MUL:
                a, b = args
                values[a].append(b)  # a.grad += b.data * g
                grads[a].append(g)
                values[b].append(a)  # b.grad += a.data * g
                grads[b].append(g)
            elif rule is MUL_CONST or rule is EXP:
                a = args[0]
                values[a].append(args[1] if rule is MUL_CONST else i)  # c * g, or out.data * g
                grads[a].append(g)
            else:  # pieces computed by a batch of the rule's backward, one per Value operand
                at = stage[g] + 1
                ids = []
                for x in args:
                    if x < n:
                        values[x].append(one)
                        grads[x].append(len(stage))
                        ids.append(len(stage))
                        stage.append(at)
                edges.setdefault((at, rule, tuple(x < n for x in args)), []).append((i, ids))

        # Leaves last: nothing reads their gradients, so they wait for one big batch.
        last = 1 + max(stage)
        for i, node in enumerate(order):
            if rules[i] is not None:
                continue
            mine = grads[i]
            if node in input_set and len(mine) == 1 and mine[0] < n and values[i] == ONE:
                grad_id[i] = mine[0]  # an input's grad starts at 0 too
            else:
                grad_id[i] = i
                sums.setdefault((last, len(mine)), []).append(i)

        # Slots: 0 holds 0.0 (where a sum starts), 1 the root's 1.0, then each
        # parameter's .grad as the call found it (where its sum starts), then the batches.
        parameters = [i for i, node in enumerate(order) if rules[i] is None and node not in input_set]
        start_slot = dict(zip(parameters, range(2, 2 + len(parameters))))
        slot_of = [None] * len(stage)  # grad id -> slot
        slot_of[root] = _ONE_GRAD
        self.grads = [0.0, 1.0] + [0.0] * len(parameters)
        self.starts = (2, 2 + len(parameters))
        batches = sorted([(key[0], 0, key, members) for key, members in edges.items()]
                         + [(key[0], 1, key, members) for key, members in sums.items()],
                         key=lambda batch: batch[:2])
        for _, is_sum, _, members in batches:
            if is_sum:
                ids = members
            else:  # operand by operand: every node's piece for its first Value operand, then ...
                ids = [piece for pieces in zip(*[pieces for _, pieces in members]) for piece in pieces]
            for slot, g in enumerate(ids, len(self.grads)):
                slot_of[g] = slot
            self.grads += [0.0] * len(ids)

        data = data_slot.__getitem__
        gslot = slot_of.__getitem__
        self.backward = []
        for _, is_sum, key, members in batches:
            if is_sum:
                lo, hi = slot_of[members[0]], slot_of[members[-1]] + 1
                starts = [start_slot.get(i, _ZERO) for i in members]
                x = [list(map(data, values[i])) for i in members]
                y = [list(map(gslot, grads[i])) for i in members]
                self.backward.append(_sums_step(lo, hi, starts, x, y))
                continue
            _, rule, is_value = key
            nodes = [i for i, _ in members]
            lo = slot_of[members[0][1][0]]
            outs = _gather([data_slot[i] for i in nodes])
            gs = _gather([slot_of[grad_id[i]] for i in nodes])
            columns = [_gather(list(map(data, column))) for column in zip(*map(operands.__getitem__, nodes))]
            batch = _EDGES.get(rule)
            if batch is not None:
                if rule is engine.MAX or rule is engine.MIN:
                    batch = functools.partial(batch, rule is engine.MAX, is_value)
                self.backward.append((_edges, (lo, len(nodes), batch, outs, gs, columns)))
            else:
                columns = [column for column, value in zip(columns, is_value) if value]
                copies = [_stand_in(order[i], is_value) for i in nodes]
                self.backward.append((_stand_ins, (copies, lo, len(nodes), outs, gs, columns)))

        return lambda i: slot_of[grad_id[i]]

    # ----------------------------------------------------------------------
    # A call

    def run(self, numbers):
        """Forward and backward; sets the parameters' and inputs' .grad and the
        computed nodes' .data. Returns the root's data."""
        data, grads = self.data, self.grads
        parameters = self.parameters
        data[:len(numbers)] = numbers
        values = [p.data for p in parameters]
        if set(map(type, values)) != _FLOAT:
            # e.g. `p.data = 0` by hand: the rules' forward functions take floats.
            values = [x if type(x) is float else _parameter_float(p) for p, x in zip(parameters, values)]
        data[len(numbers):len(numbers) + len(values)] = values
        for step, args in self.forward:
            step(data, data, *args)
        for node, x in zip(self.units, data[self.units_start:]):
            node.data = x
        for leaf, x in zip(self.inputs, numbers):
            leaf.data = x

        lo, hi = self.starts
        grads[lo:hi] = [p.grad for p in parameters]
        for step, args in self.backward:
            step(data, grads, *args)
        for p, g in zip(parameters, self.parameter_slots(grads)):
            p.grad = g
        for leaf, g in zip(self.inputs, self.input_slots(grads)):
            leaf.grad = g
        return data[self.root_slot]


_SUM = 'sum'
_FLOAT = {float}
_ZERO, _ONE_GRAD = 0, 1  # the grads slots holding 0.0 and the root's gradient 1.0


def _find_sums(rules, operands, uses, one):
    """The chains of additions, and the products they absorb.

    Returns (sums, fused): `sums[i]` is, for the last addition i of a chain,
    its terms in order as two lists (a, b), the terms being a[k] * b[k]
    (b[k] the constant 1.0 for a term that is not a fused product); and None
    for an addition inside a chain (its only use is the next addition, so its
    value is needed nowhere else). `fused` holds the products computed
    inside a sum: a * b used only there. Addition is commutative in IEEE
    arithmetic, so `t + s` continues the chain s as well as `s + t` does;
    association is kept: ((t0 + t1) + t2) + ...
    """
    adds = {engine.ADD, engine.ADD_CONST}
    MUL = engine.MUL
    # An addition used once, by another addition, is a partial sum of that one's chain.
    partial = [rule in adds and count == 1 for rule, count in zip(rules, uses)]
    previous = {}  # addition -> the partial sum it continues (None: it starts a chain)
    fused = set()
    for i, rule in enumerate(rules):
        if rule in adds:
            before = None
            for x in operands[i]:
                if partial[x] and before is None:
                    before = x
                elif rules[x] is MUL and uses[x] == 1:
                    fused.add(x)
            previous[i] = before
    sums = dict.fromkeys(previous.values())  # inside a chain: None
    sums.pop(None, None)
    for i in previous:
        if i in sums:
            continue
        terms = []
        node = i
        while node is not None:
            before = previous[node]
            rest = list(operands[node])
            if before is not None:
                rest.remove(before)
            terms += reversed(rest)
            node = before
        terms.reverse()
        a = [operands[t][0] if t in fused else t for t in terms]
        b = [operands[t][1] if t in fused else one for t in terms]
        sums[i] = a, b
    return sums, fused


def _gather(slots):
    """A function list -> the entries at `slots`, as a sequence, in C.

    itemgetter(*slots) returns a tuple (for two slots or more); a run of
    consecutive slots is a slice, which copies faster than it gathers.
    """
    if not slots:
        return operator.itemgetter(slice(0, 0))
    run = range(slots[0], slots[0] + len(slots))
    if len(slots) == 1 or (slots[-1] == run[-1] and slots == list(run)):
        return operator.itemgetter(slice(run.start, run.stop))
    return operator.itemgetter(*slots)


# The most terms one comprehension of `_sum_of_products` adds per row; a
# longer sum goes on from its result (left to right still).
_WIDEST = 32


def _sums_step(lo, hi, starts, a, b):
    """A step computing out[lo:hi], entry j being
    starts[j] + xs[a[j][0]] * ys[b[j][0]] + xs[a[j][1]] * ys[b[j][1]] + ...

    Forward: xs = ys = out = data and no starts. Backward: xs = data,
    ys = out = grads. Many sums are computed a column of terms at a time, so
    Python runs per column, not per term; a few long ones one by one.
    """
    count, width = len(a), len(a[0])
    if count >= width:
        columns = [(_gather(list(x)), _gather(list(y))) for x, y in zip(zip(*a), zip(*b))]
        return _sums_by_column, (lo, hi, None if starts is None else _gather(starts), columns)
    each = [(lo + j, None if starts is None else starts[j], _gather(x), _gather(y))
            for j, (x, y) in enumerate(zip(a, b))]
    return _sums_one_by_one, (each,)


def _sums_by_column(xs, ys, lo, hi, starts, columns):
    total = None if starts is None else starts(ys)
    for first in range(0, len(columns), _WIDEST):
        chunk = columns[first:first + _WIDEST]
        operands = [get(data) for pair in chunk for get, data in zip(pair, (xs, ys))]
        if total is None:
            total = _sum_of_products(len(chunk), False)(*operands)
        else:
            total = _sum_of_products(len(chunk), True)(total, *operands)
    ys[lo:hi] = total


@functools.lru_cache(maxsize=None)
def _sum_of_products(width, start):
    """The function of 2 * width columns (and a column of starts) giving, row by row,
    [start +] a0 * b0 + a1 * b1 + ... + a{width-1} * b{width-1}, added left to right.

    Written out as one comprehension for each width: the interpreter's float
    operations then reuse the memory of a temporary result, and a row costs
    about 30 ns per term, against 50 for the same sums as nested maps. The
    source is made of numbered names only, so `eval` sees nothing from outside.
    """
    names = ', '.join(f'a{k}, b{k}' for k in range(width))
    terms = ' + '.join(f'a{k} * b{k}' for k in range(width))
    if start:
        return eval(f'lambda starts, *columns: [s + {terms} for s, {names} in zip(starts, *columns)]')
    return eval(f'lambda *columns: [{terms} for {names} in zip(*columns)]')


def _sums_one_by_one(xs, ys, each):
    for slot, start, get_x, get_y in each:
        terms = map(mul, get_x(xs), get_y(ys))
        ys[slot] = reduce(add, terms) if start is None else reduce(add, terms, ys[start])


def _apply(data, out, lo, hi, fast, forward, columns):
    """out[lo:hi] = the rule's forward on each row of the columns."""
    operands = [get(data) for get in columns]
    if fast is not None:
        try:
            out[lo:hi] = map(fast, *operands)
            return
        except (ArithmeticError, ValueError):
            pass  # a zero divisor, exp overflowing, log of x <= 0: the rule's own forward answers
    out[lo:hi] = map(forward, *operands)


def _float_forward(rule):
    """The rule's forward; for a primitive, its result as a float, as the eager operation makes it."""
    if rule in _BUILT_IN:
        return rule.forward
    forward = rule.forward
    return lambda *operands: float(forward(*operands))


_BUILT_IN = frozenset(engine.RULES)

# Where a rule's forward is a Python function that is the C one except where
# the C one raises, the C one is tried first on the whole batch.
_FAST_FORWARD = {
    engine.DIV: operator.truediv,  # engine._divide(x, y) is x / y for y != 0
    engine.DIV_CONST: operator.truediv,
    engine.EXP: math.exp,  # engine._exp is math.exp but where it overflows
    engine.LOG: math.log,  # engine._log is math.log for x > 0 and nan, where it does not raise
}


# ----------------------------------------------------------------------
# Backward pieces

def _edges(data, grads, lo, count, batch, outs, gs, columns):
    """The pieces a batch of nodes pushes into their operands: grads[lo:...], one run per operand."""
    for piece in batch(outs(data), gs(grads), *[get(data) for get in columns]):
        grads[lo:lo + count] = piece
        lo += count


def _divide_all(xs, ys):
    """[engine._divide(x, y) for ...]: float division in C unless a divisor is 0."""
    try:
        return list(map(operator.truediv, xs, ys))
    except ZeroDivisionError:
        return list(map(engine._divide, xs, ys))


# The backward of the common rules on whole columns: (outs, gs, *operands) ->
# one list per Value operand, of what the rule's backward adds into it, with
# the same float operations as the rule's backward in engine.py (a test checks
# each against it, bit for bit). Where a backward adds nothing, the piece is
# -0.0, the one number that adding changes nothing: x + -0.0 == x, also for 0.0.
# `b.grad -= y` adds -y: IEEE subtraction is addition of the negation.

def _relu_edges(outs, gs, a):  # engine._relu_backward
    return [g if out > 0.0 else -0.0 for out, g in zip(outs, gs)],


def _tanh_edges(outs, gs, a):  # engine._tanh_backward
    return [(1.0 - t * t) * g for t, g in zip(outs, gs)],


def _div_edges(outs, gs, a, b):  # engine._div_backward
    pieces = _divide_all(gs, b)
    return pieces, [-(out * g) for out, g in zip(outs, pieces)]


def _div_const_edges(outs, gs, a, c):  # engine._div_const_backward
    return _divide_all(gs, c),


def _log_edges(outs, gs, a):  # engine._log_backward
    return _divide_all(gs, a),


def _pow_const_edges(outs, gs, a, c):  # engine._pow_const_backward
    return [engine._power_derivative_float(x, e) * g for x, e, g in zip(a, c, gs)],


def _select_edges(larger, values, outs, gs, *operands):  # engine._select_backward
    chosen = [engine._chosen(row, larger) for row in zip(*operands)]
    return [[g if c == k else -0.0 for c, g in zip(chosen, gs)]
            for k, is_value in enumerate(values) if is_value]


_EDGES = {
    engine.RELU: _relu_edges, engine.TANH: _tanh_edges, engine.DIV: _div_edges,
    engine.DIV_CONST: _div_const_edges, engine.LOG: _log_edges, engine.POW_CONST: _pow_const_edges,
    engine.MAX: _select_edges, engine.MIN: _select_edges,
}


def _stand_in(node, values):
    """A private copy of `node` whose parents are fresh leaves, one per Value operand.

    For a rule without a batch in `_EDGES` (a primitive of your own, sin, ...):
    its own backward runs on the copy, each fresh parent starting at -0.0,
    so afterwards each holds exactly the piece pushed into it, even where an
    operand is used twice (f(x, x)).
    """
    placeholders = tuple(Value(0.0) for is_value in values if is_value)
    return engine._node_of(0.0, node._rule, placeholders, node._const), placeholders


def _stand_ins(data, grads, copies, lo, count, outs, gs, columns):
    """The pieces pushed by a batch of nodes through their rule's own backward, one node at a time."""
    rows = zip(*[get(data) for get in columns])  # the Value operands' data, node by node
    for j, ((copy, placeholders), out, g, row) in enumerate(zip(copies, outs(data), gs(grads), rows)):
        copy.data, copy.grad = out, g
        for placeholder, x in zip(placeholders, row):
            placeholder.data, placeholder.grad = x, -0.0
        copy._backward()
        for k, placeholder in enumerate(placeholders):
            grads[lo + k * count + j] = placeholder.grad


# --------------------------------------------------------------------------
# The guard's comparison


def _difference(old, new, old_inputs, new_inputs, recorded, parameters):
    """Why node `new` of the rebuilt graph is not node `old` of the recording ('' if it is).

    `recorded` maps the rebuilt nodes met so far to the recorded nodes in
    their places; `parameters` are the recording's parameters."""
    if (old._rule is None) != (new._rule is None):
        return 'an operation was taken where a leaf was, or the reverse: a branch on .data'
    if old._rule is None:
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
    if old._rule is not new._rule:
        return (f'the operation is {new._rule.name!r} now and was {old._rule.name!r}: '
                f'a Python if (or min/max of Values) on .data chose another branch')
    if old._prev != tuple(map(recorded.get, new._prev)):
        return 'its operands are other nodes now: a branch on .data (e.g. max() of Values) chose them'
    if not _same_constants(old._const, new._const):
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
    return f'{name} = {node._rule.texts(node, show)[0]}'


def _census(interior):
    """(operation in words, count) for each operation, most frequent first."""
    counts = {}
    for node in interior:
        rule = node._rule
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
