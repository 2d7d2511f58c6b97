"""A traced program's replay: its recording compiled into batches of float
operations on two flat lists, so that no Python code runs per node.

`autograd.trace` records a graph once (trace.py: the listing, the guard);
`Replay` is what makes calling the program fast. It gives the same floats,
bit for bit, as building the graph again and calling `backward()`: every
value is computed by the same float operations in the same order, and every
gradient is accumulated in the order `backward()` accumulates it (float
addition is not associative). How, in `Replay`'s docstring.
"""

import functools
import math
import operator
from functools import reduce
from operator import add, mul

from . import engine, floats
from .engine import Value


# --------------------------------------------------------------------------
# The replay: the recording compiled into batches over two lists of floats


class Replay:
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

    `keep`: nodes whose values must be stored even where a sum would absorb
    them (the nodes `fn` compared while traced: the guards read them);
    `self.kept` maps each of them to its slot of `data`. `extra`: the nodes
    outside `order` (the root's ancestors) that some kept node needs, in
    topological order (the logits `max()` compared and did not choose): they
    are computed forward only, and a leaf among them that is not an input is
    read from its `.data` on every call, like a parameter, but given no gradient.

    A call is `run_forward` (values only: nothing outside the replay is
    written, so the guards can refuse it) then `run_backward`. The two lists
    are the replay's own, so a caller serialises the calls (`Program` holds a lock).
    """

    def __init__(self, order, inputs, parameters, keep=(), extra=()):
        root = len(order) - 1
        input_set = set(inputs)
        loaded = list(parameters) + [x for x in extra if x.rule is None and x not in input_set]
        order = list(order) + list(extra)
        n = len(order)
        index = dict(zip(order, range(n)))
        self.inputs, self.parameters = inputs, parameters

        # Each node's operands as indices, read from the nodes once. A
        # constant is an operand like any other: it is numbered after the
        # nodes, and its value sits in a slot of `data` that no step writes.
        constants = {}  # float.hex() -> index

        def constant(number):
            return constants.setdefault(number.hex(), (n + len(constants), number))[0]

        one = constant(1.0)
        position = index.__getitem__
        operands = []
        for node in order:
            if node.constant is None:
                operands.append(tuple(map(position, node.parents)))
            else:
                operands.append(tuple(position(x) if isinstance(x, Value) else constant(x)
                                      for x in node.operands))
        numbers = [number for _, number in constants.values()]
        rules = [node.rule for node in order] + [None] * len(numbers)
        uses = [0] * len(rules)  # how many times each is an operand
        for arguments in operands:
            for x in arguments:
                uses[x] += 1
        kept = [index[node] for node in keep if node in index]
        for i in kept:
            uses[i] += 1  # a guard reads it: never absorbed into a sum

        # Data slots: inputs, parameters (then the extra leaves), constants; the
        # computed nodes get theirs per batch.
        self.loaded = loaded
        leaves = len(inputs) + len(loaded)
        data_slot = [None] * n + list(range(leaves, leaves + len(numbers)))
        for slot, leaf in enumerate(inputs):
            if leaf in index:
                data_slot[index[leaf]] = slot
        for slot, leaf in enumerate(loaded, len(inputs)):
            data_slot[index[leaf]] = slot
        self.data = [0.0] * leaves + numbers

        sums, fused = _find_sums(rules, operands, uses, one)
        self.forward, units = self._plan_forward(rules, operands, sums, fused, data_slot)
        self.units = [order[i] for i in units]
        self.units_start = len(self.data) - len(units)
        self.root_slot = data_slot[root]
        self.kept = {order[i]: data_slot[i] for i in kept}
        input_nodes = {index[leaf] for leaf in inputs if index.get(leaf, n) <= root}
        leaves = sorted(input_nodes.union(map(position, parameters)))
        grad_slot = self._plan_backward(order, root, rules, operands, one, data_slot, leaves, input_nodes)
        self.input_slots = _gather([grad_slot(index[x]) if index.get(x, n) <= root else _ZERO
                                    for x in inputs])
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

    def _plan_backward(self, order, root, rules, operands, one, data_slot, leaves, input_nodes):
        """Sets `self.backward` and `self.grads`; returns a function giving
        the grads slot of each node.

        `leaves`: the indices of the inputs and parameters, in order;
        `input_nodes`: those of the inputs, as a set; `root`: the output's
        index (the extra nodes after it are not walked). Walks the nodes as `backward()` does (reversed topological order),
        so the pushes into each node are listed in the order backward() adds
        them: push i into a node is values[i] * grads[i], values naming an
        operand (a node or a constant), grads a gradient. Gradients are named
        by ids first (a node's own sum: its index; a piece pushed by a rule's
        batch: an id from len(rules) on), and given slots once the batches are
        known. A gradient's *stage* is 1 + the latest stage of what it reads;
        the root's is 0.
        """
        n = len(order)
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
            # The two common rules first: a push costs little, but there is one per edge.
            if rule is MUL:
                a, b = args
                values[a].append(b)  # a.grad += b.data * g
                grads[a].append(g)
                values[b].append(a)  # b.grad += a.data * g
                grads[b].append(g)
            elif rule is ADD or rule is ADD_CONST:  # a.grad += g (and b.grad += g)
                for x in args:
                    values[x].append(one)
                    grads[x].append(g)
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
        for i in leaves:
            mine = grads[i]
            if i in input_nodes and len(mine) == 1 and mine[0] < n and values[i] == ONE:
                grad_id[i] = mine[0]  # an input's grad starts at 0 too
            else:
                grad_id[i] = i
                sums.setdefault((last, len(mine)), []).append(i)

        # Slots: 0 holds 0.0 (where a sum starts), 1 the root's 1.0, then each
        # parameter's .grad as the call found it (where its sum starts), then the batches.
        parameters = [i for i in leaves if i not in input_nodes]
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
        self.run_forward(numbers)
        return self.run_backward(numbers)

    def run_forward(self, numbers):
        """Every stored value for the flat input numbers, into `self.data`
        (returned); nothing outside the replay is written."""
        data = self.data
        loaded = self.loaded
        data[:len(numbers)] = numbers
        values = [p.data for p in loaded]
        if set(map(type, values)) != _FLOAT:
            # e.g. `p.data = 0` by hand: the rules' forward functions take floats.
            values = [x if type(x) is float else _parameter_float(p) for p, x in zip(loaded, values)]
        data[len(numbers):len(numbers) + len(values)] = values
        for step, args in self.forward:
            step(data, data, *args)
        return data

    def run_backward(self, numbers):
        """After `run_forward(numbers)`: the computed nodes' and the inputs'
        .data, then the gradients. Returns the root's data."""
        data, grads = self.data, self.grads
        parameters = self.parameters
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
    ADD, ADD_CONST, MUL = engine.ADD, engine.ADD_CONST, engine.MUL
    sums = {}
    fused = set()
    # In topological order a chain's partial sums come before the addition
    # that continues them, so each addition extends its partial sum's terms in place.
    for i, rule in enumerate(rules):
        if rule is not ADD and rule is not ADD_CONST:
            continue
        before = None  # the partial sum this addition continues: an addition used once, here
        for x in operands[i]:
            if before is None and uses[x] == 1 and (rules[x] is ADD or rules[x] is ADD_CONST):
                before = x
                break
        if before is None:
            a, b = [], []
        else:
            a, b = sums[before]
            sums[before] = None  # inside the chain
        for x in operands[i]:
            if x == before:
                continue
            if rules[x] is MUL and uses[x] == 1:
                fused.add(x)
                a.append(operands[x][0])
                b.append(operands[x][1])
            else:
                a.append(x)
                b.append(one)
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
    engine.DIV: operator.truediv,  # floats.divide(x, y) is x / y for y != 0
    engine.DIV_CONST: operator.truediv,
    engine.EXP: math.exp,  # floats.exp is math.exp but where it overflows
    engine.LOG: math.log,  # floats.log is math.log for x > 0 and nan, where it does not raise
}


# ----------------------------------------------------------------------
# Backward pieces

def _edges(data, grads, lo, count, batch, outs, gs, columns):
    """The pieces a batch of nodes pushes into their operands: grads[lo:...], one run per operand."""
    for piece in batch(outs(data), gs(grads), *[get(data) for get in columns]):
        grads[lo:lo + count] = piece
        lo += count


def _divide_all(xs, ys):
    """[floats.divide(x, y) for ...]: float division in C unless a divisor is 0."""
    try:
        return list(map(operator.truediv, xs, ys))
    except ZeroDivisionError:
        return list(map(floats.divide, xs, ys))


# The backward of the common rules on whole columns: (outs, gs, *operands) ->
# one list per Value operand, of what the rule's backward adds into it, with
# the same float operations as the rule's backward in engine.py (a test checks
# each against it, bit for bit). Where a backward adds nothing, the piece is
# -0.0, the one number that adding changes nothing: x + -0.0 == x, also for 0.0.
# `b.grad -= y` adds -y: IEEE subtraction is addition of the negation.

def _relu_edges(outs, gs, a):  # engine.RELU.backward
    return [g if out > 0.0 else -0.0 for out, g in zip(outs, gs)],


def _tanh_edges(outs, gs, a):  # engine.TANH.backward
    return [(1.0 - t * t) * g for t, g in zip(outs, gs)],


def _div_edges(outs, gs, a, b):  # engine.DIV.backward
    return _divide_all(gs, b), [-(q * g) for q, g in zip(_divide_all(outs, b), gs)]


def _div_const_edges(outs, gs, a, c):  # engine.DIV_CONST.backward
    return _divide_all(gs, c),


def _log_edges(outs, gs, a):  # engine.LOG.backward
    return _divide_all(gs, a),


def _pow_const_edges(outs, gs, a, c):  # engine.POW_CONST.backward
    return [floats.power_slope(x, e) * g for x, e, g in zip(a, c, gs)],


def _select_edges(larger, values, outs, gs, *operands):  # engine.MAX.backward, MIN.backward
    chosen = [floats.chosen(row, larger) for row in zip(*operands)]
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
    return engine.make_node(0.0, node.rule, placeholders, node.constant), placeholders


def _stand_ins(data, grads, copies, lo, count, outs, gs, columns):
    """The pieces pushed by a batch of nodes through their rule's own backward, one node at a time."""
    rows = zip(*[get(data) for get in columns])  # the Value operands' data, node by node
    for j, ((copy, placeholders), out, g, row) in enumerate(zip(copies, outs(data), gs(grads), rows)):
        copy.data, copy.grad = out, g
        for placeholder, x in zip(placeholders, row):
            placeholder.data, placeholder.grad = x, -0.0
        copy.rule.backward(copy)
        for k, placeholder in enumerate(placeholders):
            grads[lo + k * count + j] = placeholder.grad


def _parameter_float(leaf):
    number = floats.as_float(leaf.data)
    if number is None:
        name = leaf.label or repr(leaf)
        raise TypeError(f'trace: parameter {name} has data {leaf.data!r}; '
                        f'a Value holds a real number')
    return number
