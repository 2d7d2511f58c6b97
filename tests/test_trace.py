"""Traced programs (autograd/trace.py) against the eager engine, bit for bit.

The oracle is the engine itself on a freshly built graph: `fn(*leaves)
.backward()` with the arguments passed as leaf Values, which is what a
replay promises to reproduce exactly (same float operations in the same
order). Floats are compared by their bits, so -0.0 vs 0.0 counts as a
difference; any two nans count as equal, because which nan `nan + -nan`
gives depends on the machine instruction CPython happens to run (its
specialized inline float addition or float_add), not on the operations.
"""

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, engine, maximum, minimum, no_grad, primitive, trace
from autograd.graph import topo_order
from autograd.trace import ReplayError

SETTINGS = settings(max_examples=60, deadline=None)


def bits(x):
    return struct.pack('<d', x)


def assert_same(a, b, what):
    if a != a and b != b:
        return
    assert bits(a) == bits(b), f'{what}: replay {a!r}, eager {b!r}'


def leaves_like(args):
    """`args` with each number made a leaf Value, and the flat list of those leaves."""
    made = []

    def convert(x):
        if isinstance(x, (list, tuple)):
            return type(x)(convert(item) for item in x)
        made.append(Value(x))
        return made[-1]

    return [convert(arg) for arg in args], made


def eager(fn, parameters, *args):
    """(output, parameter grads, input grads) of fn(*args).backward(), parameters zeroed first."""
    for p in parameters:
        p.grad = 0.0
    leaves, inputs = leaves_like(args)
    out = fn(*leaves)
    out.backward()
    return out.data, [p.grad for p in parameters], [x.grad for x in inputs]


def replayed(program, parameters, *args):
    for p in parameters:
        p.grad = 0.0
    value = program(*args)
    flat = []

    def collect(x):
        if isinstance(x, (list, tuple)):
            for item in x:
                collect(item)
        else:
            flat.append(x)

    collect(program.input_grads)
    return value, [p.grad for p in parameters], flat


def assert_replay_matches_eager(fn, parameters, program, *args):
    got = replayed(program, parameters, *args)
    want = eager(fn, parameters, *args)
    assert_same(got[0], want[0], 'output')
    for i, (g, w) in enumerate(zip(got[1], want[1])):
        assert_same(g, w, f'grad of parameter {i}')
    assert len(got[2]) == len(want[2])
    for i, (g, w) in enumerate(zip(got[2], want[2])):
        assert_same(g, w, f'grad of input {i}')


# --------------------------------------------------------------------------
# Random graphs: every rule, constants on both sides, reuse


cube = primitive('cube', lambda x: x * x * x, lambda out, x: (3 * x**2,))
weighted = primitive('weighted', lambda x, c, y: c * x + y, lambda out, x, c, y: (c, x, 1.0))

# (name, arity, function of already-built Values): one line per shape of use.
UNARY = [
    ('exp', lambda a: a.exp()), ('log', lambda a: a.log()), ('tanh', lambda a: a.tanh()),
    ('sigmoid', lambda a: a.sigmoid()), ('relu', lambda a: a.relu()), ('sin', lambda a: a.sin()),
    ('cos', lambda a: a.cos()), ('sqrt', lambda a: a.sqrt()), ('abs', lambda a: abs(a)),
    ('leaky_relu', lambda a: a.leaky_relu(0.1)), ('softplus', lambda a: a.softplus()),
    ('atan', lambda a: a.atan()),
    ('x + 1.5', lambda a: a + 1.5), ('2.5 + x', lambda a: 2.5 + a), ('x * 3', lambda a: a * 3),
    ('-0.5 * x', lambda a: -0.5 * a), ('x / 4', lambda a: a / 4), ('3 / x', lambda a: 3 / a),
    ('x ** 2', lambda a: a**2), ('x ** 0.5', lambda a: a**0.5), ('2 ** x', lambda a: 2**a),
    ('1 - x', lambda a: 1 - a), ('clamp', lambda a: a.clamp(-1.0, 1.0)), ('cube', cube),
    ('weighted(x, 2, 1)', lambda a: weighted(a, 2.0, 1.0)),
]
BINARY = [
    ('+', lambda a, b: a + b), ('*', lambda a, b: a * b), ('-', lambda a, b: a - b),
    ('atan2', lambda a, b: a.atan2(b)),
    ('/', lambda a, b: a / b), ('**', lambda a, b: a**b), ('max', lambda a, b: maximum(a, b)),
    ('min3', lambda a, b: minimum(a, 0.5, b)), ('max with a number first', lambda a, b: maximum(-1.0, b, a)),
    ('weighted(x, 0.5, y)', lambda a, b: weighted(a, 0.5, b)),
]
OPERATIONS = [(name, 1, f) for name, f in UNARY] + [(name, 2, f) for name, f in BINARY]

numbers = st.floats(-3.0, 3.0, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def recipes(draw):
    """(number of inputs, parameter data, steps): each step is (operation, operand indices)."""
    n_inputs = draw(st.integers(1, 3))
    parameters = draw(st.lists(numbers, min_size=1, max_size=3))
    n_leaves = n_inputs + len(parameters)
    steps = []
    for made in range(draw(st.integers(1, 12))):
        operation = draw(st.sampled_from(range(len(OPERATIONS))))
        arity = OPERATIONS[operation][1]
        # Any earlier node, so that nodes are reused (a + a, x * x, diamonds).
        operands = tuple(draw(st.integers(0, n_leaves + made - 1)) for _ in range(arity))
        steps.append((operation, operands))
    return n_inputs, parameters, steps


def build(recipe):
    """(fn, parameters) for a recipe: fn(*inputs) sums the last three nodes it makes."""
    n_inputs, parameter_data, steps = recipe
    parameters = [Value(x, label=f'p{i}') for i, x in enumerate(parameter_data)]

    def fn(*inputs):
        nodes = made_nodes(inputs, parameters, steps)
        out = nodes[-1]
        for node in nodes[-3:-1]:
            out = out + node
        return out

    return fn, parameters


@SETTINGS
@given(recipes(), st.data())
def test_replay_equals_eager_bit_for_bit_on_random_graphs(recipe, data):
    fn, parameters = build(recipe)
    n_inputs = recipe[0]
    traced_args = data.draw(st.lists(numbers, min_size=n_inputs, max_size=n_inputs))
    program = trace(fn, *traced_args)
    assert_replay_matches_eager(fn, parameters, program, *traced_args)
    for _ in range(2):
        args = data.draw(st.lists(numbers, min_size=n_inputs, max_size=n_inputs))
        for p in parameters:
            p.data = data.draw(numbers)
        # Every operation here is one node whatever the data, so the guard never fires.
        assert_replay_matches_eager(fn, parameters, program, *args)


# --------------------------------------------------------------------------
# The batched replay: sums, shared gradients, special floats, long sums

# Floats where IEEE arithmetic has its corner cases: signed zeros, infinities,
# nan, subnormals, overflow within reach of one operation.
specials = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, math.inf, -math.inf, math.nan,
                            1e308, -1e-308, 5e-324, 1e200, -700.0, 800.0])
values = st.one_of(numbers, specials)


def dot(nodes, pairs):
    """nodes[a0] * nodes[b0] + nodes[a1] * nodes[b1] + ...: a chain the replay runs as one sum."""
    products = [nodes[a] * nodes[b] for a, b in pairs]
    return sum(products[1:], products[0])


# Sums as models write them: a dot product, Python's sum() (it starts from
# the int 0: `0 + t0` is an addition of a constant), a sum of Values.
SUMS = [
    ('dot', dot),
    ('sum()', lambda nodes, pairs: sum(nodes[a] * nodes[b] if k % 2 else nodes[a]
                                       for k, (a, b) in enumerate(pairs))),
    ('sum of Values', lambda nodes, pairs: sum((nodes[a] for a, _ in pairs[1:]), nodes[pairs[0][0]])),
]


@st.composite
def recipes_with_sums(draw, leaf_values):
    """Like `recipes`, with sums of up to 40 terms over any earlier nodes among the steps.

    A step is (operation, operands) or (-1 - sum kind, pairs of node indices).
    Terms repeat nodes, so a parameter or a node is used many times, and a
    partial sum may be used again later (then it is not inside a chain).
    """
    n_inputs = draw(st.integers(1, 3))
    parameters = draw(st.lists(leaf_values, min_size=1, max_size=3))
    n_leaves = n_inputs + len(parameters)
    steps = []
    for made in range(draw(st.integers(1, 10))):
        node = st.integers(0, n_leaves + made - 1)
        if draw(st.booleans()):
            pairs = draw(st.lists(st.tuples(node, node), min_size=1, max_size=40))
            steps.append((-1 - draw(st.sampled_from(range(len(SUMS)))), tuple(pairs)))
        else:
            operation = draw(st.sampled_from(range(len(OPERATIONS))))
            steps.append((operation, tuple(draw(node) for _ in range(OPERATIONS[operation][1]))))
    return n_inputs, parameters, steps


def made_nodes(inputs, parameters, steps):
    """The leaves, then one node per step: an operation of OPERATIONS on earlier
    nodes, or (a negative step) a sum of SUMS over pairs of earlier nodes."""
    nodes = list(inputs) + parameters
    for operation, operands in steps:
        if operation < 0:
            nodes.append(SUMS[-1 - operation][1](nodes, operands))
        else:
            nodes.append(OPERATIONS[operation][2](*(nodes[i] for i in operands)))
    return nodes


def build_with_sums(recipe):
    n_inputs, parameter_data, steps = recipe
    parameters = [Value(x, label=f'p{i}') for i, x in enumerate(parameter_data)]

    def fn(*inputs):
        nodes = made_nodes(inputs, parameters, steps)
        return sum(nodes[-3:], nodes[0] * parameters[0])  # a leaf and a parameter always reach the root

    return fn, parameters


@settings(max_examples=100, deadline=None)
@given(recipes_with_sums(values), st.data())
def test_replay_equals_eager_bit_for_bit_with_sums_and_special_floats(recipe, data):
    fn, parameters = build_with_sums(recipe)
    n_inputs = recipe[0]
    program = None
    for _ in range(3):
        args = data.draw(st.lists(values, min_size=n_inputs, max_size=n_inputs))
        if program is None:
            program = trace(fn, *args)
        else:
            for p in parameters:
                p.data = data.draw(values)
        # Parameters accumulate onto the .grad they have, whatever it is (-0.0 included).
        starts = data.draw(st.lists(specials, min_size=len(parameters), max_size=len(parameters)))
        for p, start in zip(parameters, starts):
            p.grad = start
        got = program(*args), [p.grad for p in parameters], program.input_grads
        for p, start in zip(parameters, starts):
            p.grad = start
        leaves, inputs = leaves_like(args)
        out = fn(*leaves)
        out.backward()
        assert_same(got[0], out.data, 'output')
        for i, p in enumerate(parameters):
            assert_same(got[1][i], p.grad, f'grad of parameter {i}')
        for i, (g, x) in enumerate(zip(got[2], inputs)):
            assert_same(g, x.grad, f'grad of input {i}')


def test_zeros_keep_their_signs_where_backward_adds_nothing():
    # relu at a negative input adds nothing to (p * x).grad, which backward()
    # zeroed: it is 0.0, so p.grad += x * 0.0 leaves a -0.0 start at 0.0. A replay
    # that let (p * x) share relu's pushed piece (-0.0, "nothing") would give -0.0.
    p = Value(-2.0)
    program = trace(lambda x: (p * x).relu(), 3.0)
    p.grad = -0.0
    assert program(3.0) == 0.0
    assert bits(p.grad) == bits(0.0) and bits(program.input_grads[0]) == bits(0.0)
    p.grad = -0.0
    Value.relu(p * Value(3.0)).backward()
    assert bits(p.grad) == bits(0.0)


@pytest.mark.parametrize('terms, count', [(5000, 1), (100, 40), (33, 3)])
def test_long_sums_replay_exactly(terms, count):
    # One sum of 5,000 terms (computed one sum at a time), and many sums
    # longer than one batch of columns (computed 32 columns at a time).
    weights = [Value(math.sin(k) * 3.0) for k in range(terms)]

    def fn(xs):
        rows = [[x * w for x, w in zip(xs, weights[j:] + weights[:j])] for j in range(count)]
        sums = [sum(row[1:], row[0]) for row in rows]
        return sum(s * s for s in sums)

    program = trace(fn, [0.1] * terms)
    assert_replay_matches_eager(fn, weights, program, [math.cos(k) for k in range(terms)])


def test_division_by_zero_overflow_and_log_out_of_domain_in_a_batch():
    # A batch first runs the C function (x / y, math.exp, math.log); where it
    # raises, the whole batch runs the rule's own forward, which answers as IEEE.
    def fn(xs):
        return (sum(x / y for x, y in zip(xs, xs[1:] + xs[:1])) + sum(x.exp() for x in xs)
                + sum(x.log() for x in xs) + sum(x / 0.0 for x in xs) + sum(2.0 / x for x in xs))

    program = trace(fn, [1.0, 2.0, 3.0, 4.0])
    for xs in ([1.0, 2.0, 3.0, 4.0], [0.0, -0.0, 800.0, -1.0], [math.inf, -math.inf, math.nan, 5e-324]):
        assert_replay_matches_eager(fn, [], program, xs)


def test_each_batched_backward_is_its_rule_s_backward_bit_for_bit():
    # The batches in replay._EDGES repeat the float operations of the rules'
    # backward functions in engine.py; here each is run against the rule itself.
    from autograd.replay import _EDGES

    floats = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, math.inf, -math.inf, math.nan, 1e308, 5e-324]
    for rule, batch in _EDGES.items():
        arity = 3 if rule in (engine.MAX, engine.MIN) else 2 if rule is engine.DIV else 1
        constant = {engine.DIV_CONST: [2.0, 0.0, -0.0, math.inf],
                    engine.POW_CONST: [2.0, 0.5, -0.5, 0.0, 1.0]}
        rows = [(a, b, c) for a in floats for b in floats for c in floats[:4]]
        for operands in rows:
            operands = operands[:arity]
            for c in constant.get(rule, [None]):
                eager_pieces, batch_pieces = _pieces(rule, batch, operands, c, g=operands[-1] or 1.5)
                for got, want in zip(batch_pieces, eager_pieces):
                    assert_same(got, want, f'{rule.name} at {operands}, constant {c}')


def _pieces(rule, batch, operands, c, g):
    """What the rule's backward adds into each operand, eagerly and through the batch."""
    import functools

    parents = tuple(Value(0.0) for _ in operands)
    for parent, x in zip(parents, operands):
        parent.data, parent.grad = x, -0.0
    args = operands if c is None else (*operands, c)
    out = engine.make_node(rule.forward(*args), rule, parents, c)
    out.grad = g
    rule.backward(out)
    if rule in (engine.MAX, engine.MIN):
        batch = functools.partial(batch, rule is engine.MAX, (True,) * len(operands))
    columns = [[x] for x in args]
    return [p.grad for p in parents], [piece[0] for piece in batch([out.data], [g], *columns)]


def test_a_primitive_given_one_operand_twice_replays_exactly():
    # Its backward runs on a private copy of the node with one fresh parent per operand.
    hypot = primitive('hypot', lambda x, y: math.hypot(x, y), lambda out, x, y: (x / out, y / out))
    w = Value(0.7)

    def fn(x):
        return hypot(x * w, x * w) + hypot(w, w) * x

    program = trace(fn, 1.0)
    for x in (1.0, -2.0, 0.0):
        assert_replay_matches_eager(fn, [w], program, x)


def test_a_replay_refreshes_the_data_of_the_nodes_a_caller_keeps():
    # nn.fit keeps the outputs of its traced call and reads their .data after
    # every replay (accuracy). The nodes inside a sum (w_i * x_i and the partial
    # sums of a dot product) are the only ones left with the traced call's data.
    model = nn.MLP(2, [3, 2], seed=0)
    kept = []

    def fn(xs):
        outputs = [model(x) for x in xs]
        if not kept:  # the traced call's outputs, as fit keeps them (the guard calls fn again)
            kept.extend(outputs)
        return sum(o * o for out in outputs for o in out)

    program = trace(fn, [[0.5, 1.0], [2.0, -1.0]])
    points = [[-1.0, 0.25], [3.0, 0.5]]
    program(points)
    with no_grad():
        want = [[o.data for o in model(x)] for x in points]
    assert [[o.data for o in out] for out in kept] == want


def test_the_random_graphs_cover_every_rule():
    made = set()
    x, y = Value(0.7), Value(-1.3)
    for name, arity, f in OPERATIONS:
        out = f(x) if arity == 1 else f(x, y)
        made.update(node._rule for node in topo_order(out) if node._rule is not None)
    missing = [rule.name for rule in engine.RULES if rule not in made]
    assert not missing, f'no operation in OPERATIONS makes {missing}'
    assert cube.rule in made and weighted.rule in made


def test_a_primitive_defined_later_replays_without_changes_to_the_tracer():
    softsign = primitive('softsign', lambda x: x / (1 + abs(x)), lambda out, x: (1 / (1 + abs(x)) ** 2,))
    w = Value(0.3)

    def fn(x):
        return softsign(x * w) * softsign(w)

    program = trace(fn, 1.0)
    for x in (1.0, -2.5, 0.0):
        assert_replay_matches_eager(fn, [w], program, x)


# --------------------------------------------------------------------------
# A model, trained between calls


def test_mlp_with_parameters_updated_between_calls():
    model = nn.MLP(2, [4, 3, 1], seed=1)
    parameters = model.parameters()
    points = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    labels = [1.0, -1.0, 1.0]

    def loss(xs):
        scores = [model(x) for x in xs]
        return sum((1 - y * s).relu() for y, s in zip(labels, scores)) / len(scores) \
            + 1e-4 * sum(p * p for p in parameters)

    program = trace(loss, points)
    for step in range(4):
        batch = [[x + 0.1 * step, y - 0.2 * step] for x, y in points]
        assert_replay_matches_eager(loss, parameters, program, batch)
        for p in parameters:
            p.data -= 0.1 * p.grad
    assert len(program) == 1


def test_a_parameter_set_to_an_int_by_hand_is_read_as_a_float():
    w = Value(2.0, label='w')
    program = trace(lambda x: x * w + w, 1.5)
    w.data = 3  # as micrograd's bias starts: Value(0)
    assert program(1.5) == 1.5 * 3.0 + 3.0 and w.grad == 2.5
    w.data = 'three'
    with pytest.raises(TypeError, match="parameter w has data 'three'"):
        program(1.5)


def test_gradients_accumulate_across_calls_like_backward():
    w = Value(0.8)
    fn = lambda x: (x * w).tanh() * w  # noqa: E731
    program = trace(fn, 0.3)
    program(0.3)
    program(-1.1)
    got = w.grad
    w.grad = 0.0
    for x in (0.3, -1.1):
        fn(Value(x)).backward()
    assert_same(got, w.grad, 'accumulated grad')


def test_interior_gradients_restart_at_zero_each_call():
    w = Value(2.0)
    program = trace(lambda x: (x * w) * (x * w), 1.5)
    program(1.5)
    first = w.grad
    w.grad = 0.0
    program(1.5)
    assert_same(w.grad, first, 'second call, from zero')


def test_input_grads_have_the_shape_of_the_arguments():
    w = Value(3.0)
    program = trace(lambda xs, c: (xs[0][0] * w + xs[1][1] * xs[0][1]) * c, [[1.0, 2.0], (3.0, 4.0)], 5.0)
    program([[1.0, 2.0], (3.0, 4.0)], 5.0)
    # d/dx00 = w c, d/dx01 = x11 c, d/dx10 = 0, d/dx11 = x01 c, d/dc = x00 w + x11 x01
    assert program.input_grads == ([[15.0, 20.0], (0.0, 10.0)], 11.0)


def test_inputs_are_labelled_by_position():
    program = trace(lambda xs, scale: xs[1][0] * scale, [[1.0], [2.0]], 3.0)
    assert [x.label for x in program._last.inputs] == ['xs[0][0]', 'xs[1][0]', 'scale']


# --------------------------------------------------------------------------
# The shape cache


def test_programs_are_cached_per_shape_and_can_be_cleared():
    w = Value(0.5)
    calls = []

    def fn(xs):
        calls.append(len(xs))
        return sum(x * w for x in xs)

    program = trace(fn, [1.0, 2.0])
    assert len(program) == 1 and calls == [2]
    assert program([3.0, 4.0]) == 3.5
    assert program([1.0, 2.0, 3.0]) == 3.0  # a new shape: traced again
    assert len(program) == 2
    assert program([3.0, 4.0]) == 3.5  # the first recording, replayed
    assert program([5.0, 6.0, 7.0]) == 9.0
    # fn ran once per recording, plus once per shape for the guard's check
    assert sorted(calls) == [2, 2, 3, 3]
    program.clear()
    assert len(program) == 0
    assert program([2.0]) == 1.0 and len(program) == 1


# --------------------------------------------------------------------------
# The honesty guard (branches, reads of .data and threads: tests/test_trace_guards.py)


def softmax_loss_with_maximum(logits_weights):
    def fn(xs):
        logits = [w * x for w, x in zip(logits_weights, xs)]
        shift = maximum(*logits)
        exps = [(v - shift).exp() for v in logits]
        return -(exps[0] / sum(exps)).log()
    return fn


def test_guard_passes_softmax_written_with_maximum():
    weights = [Value(1.0), Value(-0.5), Value(2.0)]
    fn = softmax_loss_with_maximum(weights)
    program = trace(fn, [1.0, 2.0, 3.0])
    for xs in ([0.5, -1.0, 2.5], [3.0, 0.0, -1.0], [1.0, 2.0, 3.0]):
        assert_replay_matches_eager(fn, weights, program, xs)


# --------------------------------------------------------------------------
# Bad arguments and bad functions


def test_a_string_argument_is_named():
    program = trace(lambda xs: xs[0] * 2, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"argument args\[0\]\[1\] is str: 'a'"):
        program([1.0, 'a'])
    with pytest.raises(TypeError, match='is str'):
        trace(lambda x: x, 'x')
    with pytest.raises(TypeError, match='is Value'):
        trace(lambda x: x * 2, Value(1.0))


def test_a_shape_mismatch_within_one_call_is_fn_s_own_clear_error():
    model = nn.MLP(2, [3, 1], seed=0)
    program = trace(lambda xs: sum(model(x) for x in xs), [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match='expected 2 inputs, got 1'):
        program([[1.0, 2.0], [3.0]])


def test_fn_must_return_one_value():
    with pytest.raises(TypeError, match='must return one scalar Value, got list of 2 items'):
        trace(lambda xs: [xs[0] * 2, xs[1] * 2], [1.0, 2.0])
    with pytest.raises(TypeError, match='got float'):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match='must be a function'):
        trace(3.0, 1.0)


def test_trace_inside_no_grad_is_refused():
    with no_grad(), pytest.raises(RuntimeError, match='no_grad'):
        trace(lambda x: x * 2, 1.0)


# --------------------------------------------------------------------------
# The listing


def tanh_neuron():
    w1 = Value(-3.0, label='w1')
    w2 = Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')

    def neuron(x1, x2):
        x1w1 = x1 * w1; x1w1.label = 'x1w1'
        x2w2 = x2 * w2; x2w2.label = 'x2w2'
        s = x1w1 + x2w2; s.label = 's'
        n = s + b; n.label = 'n'
        o = n.tanh(); o.label = 'o'
        return o

    return neuron, (w1, w2, b)


# Written from the maths: o = tanh(x1 w1 + x2 w2 + b). Forward one line per
# node; backward the same nodes last to first, each parent getting
# (d node / d parent) * g_node: tanh' = 1 - o**2, + passes g on, and
# x * w sends w * g to x and x * g to w.
TANH_NEURON_LISTING = """\
forward: inputs x1, x2; parameters (read live) w1, w2, b
  t1 = x1 * w1                  # x1w1
  t2 = x2 * w2                  # x2w2
  t3 = t1 + t2                  # s
  t4 = t3 + b                   # n
  t5 = tanh(t4)                 # o
  return t5
backward: every g_ starts at 0 (parameters keep theirs), then g_t5 = 1
  g_t4 += (1 - t5**2) * g_t5
  g_t3 += g_t4
  g_b += g_t4
  g_t1 += g_t3
  g_t2 += g_t3
  g_x2 += w2 * g_t2
  g_w2 += x2 * g_t2
  g_x1 += w1 * g_t1
  g_w1 += x1 * g_t1"""


def test_listing_of_the_tanh_neuron():
    neuron, _ = tanh_neuron()
    program = trace(neuron, 2.0, 0.0)
    assert program.listing() == TANH_NEURON_LISTING
    assert str(program) == TANH_NEURON_LISTING


def test_tanh_neuron_gradients():
    neuron, (w1, w2, b) = tanh_neuron()
    program = trace(neuron, 2.0, 0.0)
    assert math.isclose(program(2.0, 0.0), math.sqrt(0.5), rel_tol=1e-12)
    # do/dn = 1 - o**2 = 0.5; do/dw1 = x1 * 0.5, do/dx1 = w1 * 0.5, ...
    assert math.isclose(w1.grad, 1.0) and w2.grad == 0.0 and math.isclose(b.grad, 0.5)
    x1_grad, x2_grad = program.input_grads
    assert math.isclose(x1_grad, -1.5) and math.isclose(x2_grad, 0.5)


def test_leaves_without_a_usable_label_get_a_name_that_cannot_clash():
    a, b, c = Value(1.0, label='t1'), Value(2.0, label='p1'), Value(3.0, label='my weight')
    program = trace(lambda x: x * a + b * c, 1.0)
    assert program.listing().splitlines()[:3] == [
        'forward: inputs x; parameters (read live) p1, p2, p3',  # b's p1 was taken by then
        '  t1 = x * p1',
        '  t2 = p2 * p3',
    ]


def test_listing_and_repr_after_clear():
    program = trace(lambda x: x * 2, 1.0)
    assert repr(program) == '<Program of <lambda>: 1 recorded shape(s), the last with 1 operations>'
    program.clear()
    assert 'no recording' in program.listing()
    assert repr(program) == '<Program of <lambda>: 0 recorded shape(s)>'


def test_a_large_listing_is_elided_with_counts():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    points = [[0.01 * i, -0.02 * i] for i in range(20)]
    program = trace(lambda xs: sum(model(x).relu() for x in xs), points)
    nodes = len(program._last.interior)
    text = program.listing()
    lines = text.splitlines()
    assert len(lines) < 60
    assert f'a * b: {20 * (2 * 16 + 16 * 16 + 16):,};' in text
    assert 'more lines' in text
    assert lines[1].startswith('  operations:')
    full = program.listing(full=True).splitlines()
    forward_lines = [line for line in full if ' = ' in line and not line.startswith('backward')]
    assert len(forward_lines) == nodes


# --------------------------------------------------------------------------
# nn.fit replays where it is safe


@pytest.mark.parametrize('loss, optimizer, outputs', [('hinge', 'adam', 1), ('mse', 'sgd', 1), ('bce', 'adam', 1),
                                                      ('cross_entropy', 'adam', 3)])
def test_fit_replayed_gives_the_eager_history_bit_for_bit(monkeypatch, loss, optimizer, outputs):
    import nn.train

    X, y = (nn.datasets.moons(n=30, noise=0.1, seed=0) if outputs == 1
            else nn.datasets.blobs(n=30, classes=outputs, seed=0))
    runs = {}
    traced = []
    real_trace = nn.train.trace
    monkeypatch.setattr(nn.train, 'trace', lambda fn, **options: traced.append(fn) or real_trace(fn, **options))
    for replay in (True, False):
        if not replay:
            monkeypatch.setattr(nn.train, '_replayable', lambda *args: False)
        model = nn.MLP(2, [6, 6, outputs], seed=3)
        history = nn.fit(model, X, y, loss=loss, optimizer=optimizer, steps=12, progress=False)
        runs[replay] = history, [p.data for p in model.parameters()]
    assert len(traced) == 1  # the replayed run traced once; the eager one never
    (replayed, weights), (eager_history, eager_weights) = runs[True], runs[False]
    assert [bits(x) for x in replayed.loss] == [bits(x) for x in eager_history.loss]
    assert replayed.accuracy == eager_history.accuracy
    assert bits(replayed.final_loss) == bits(eager_history.final_loss)
    assert [bits(w) for w in weights] == [bits(w) for w in eager_weights]


def test_fit_stays_eager_where_the_graph_depends_on_the_data(monkeypatch):
    import nn.train

    monkeypatch.setattr(nn.train, 'trace', lambda fn: pytest.fail('fit traced'))
    X, y = nn.datasets.moons(n=20, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    nn.fit(model, X, y, loss='hinge', steps=2, batch_size=5, progress=False)  # targets change

    def branching_loss(outputs, targets):  # a loss of one's own may look at .data
        return sum(out if out.data > 0 else -out for out in outputs)
    nn.fit(model, X, y, loss=branching_loss, steps=2, progress=False)
