"""Derivatives as functions: `grad`, `value_and_grad`, `hessian`, `jvp`, `jacobian`.

`Value.backward()` answers one question, "how does this output change with
every value it depends on?", and writes the answers into `.grad`. The
functions here answer the other questions a learner soon asks, and leave
every `.grad` alone:

* `grad(output, inputs)` returns d(output)/d(input) for the inputs asked
  for. With `create_graph=True` the answers are `Value`s built from the
  graph, so they can be differentiated again: second, third, ... derivatives.
* `value_and_grad(f, points)` is f and its gradient at a point, in one
  forward and one backward pass.
* `hessian(f, inputs)` is the matrix of second derivatives, the gradient of
  each entry of the gradient.
* `jvp(f, primals, tangents)` is forward mode: how fast `f` changes when its
  inputs move along the direction `tangents`.
* `jacobian(f, inputs, mode)` is the matrix of all first derivatives of a
  vector-valued `f`, by either mode.

All of them differentiate with the engine's own rules: `rule.partials(...)`
gives the local derivatives d(node)/d(parent), in floats or, given Values,
as Value expressions (engine.local_derivatives). Each primitive's
derivative is written once, in its Rule in engine.py.

Functions passed to `hessian`, `jvp` and `jacobian` take one `Value` per
input, `f(x0, x1, ...)`, as with `gradcheck`.
"""

from ._validate import check_list, check_real, is_real
from .engine import Value, is_grad_enabled, local_derivatives
from .graph import topo_order

# --------------------------------------------------------------------------
# Reverse mode


def grad(output, inputs, create_graph=False):
    """The gradient [d(output)/d(x) for x in inputs], leaving `.grad` untouched.

        >>> x = Value(3.0)
        >>> dx, = grad(x ** 3, [x], create_graph=True)   # 3 x**2
        >>> dx.data
        27.0
        >>> grad(dx, [x])                                # 6 x
        [18.0]

    The chain rule, run backwards: the grad of the output is 1, and each
    node, visited after every node that uses it, passes grad * d(node)/
    d(parent) (its local derivative) on to each parent, where contributions add up:
        grad(parent) = sum over edges parent -> child of
                       grad(child) * d(child)/d(parent).
    These grads live in a dict of this call, so nobody's `.grad` changes.

    Without `create_graph` the result is a list of floats. With it, grads
    are computed with Value arithmetic from the local derivatives as Values,
    so the result is a list of Values that depend on the graph (and can be
    differentiated again, to any order). Such a result may be a node of the
    original graph itself: d(x*y)/dx is `y`. An input the output does not
    depend on gets 0.0 (a new leaf `Value(0.0)` with `create_graph`).

    An input may also be an interior node: its gradient is then the grad
    that flows back into it, d(output)/d(node) along the paths through it.
    """
    if isinstance(output, (list, tuple)):
        raise TypeError('grad: output must be one scalar Value; for several outputs use jacobian()')
    if not isinstance(output, Value):
        raise TypeError(f'grad: output must be a Value, got {type(output).__name__}: {output!r}')
    inputs = _as_value_list(inputs, 'grad', 'inputs')
    if create_graph and not is_grad_enabled():
        raise RuntimeError('grad: create_graph=True cannot build a graph inside no_grad()')

    order = topo_order(output)
    # Only nodes that depend on some input can carry a nonzero contribution
    # to an input; skipping the rest matters most with create_graph, where
    # every contribution would otherwise become new nodes.
    depends_on_input = set(inputs)
    for node in order:
        for parent in node.parents:
            if parent in depends_on_input:
                depends_on_input.add(node)
                break

    grads = {output: 1.0}
    for node in reversed(order):
        if node.rule is None or node not in depends_on_input or node not in grads:
            continue
        out_grad = grads[node]
        for parent, local in zip(node.parents, local_derivatives(node, as_values=create_graph)):
            if parent not in depends_on_input:
                continue
            if create_graph:
                contribution = _times(out_grad, local)
                if contribution is None:
                    continue
            else:
                contribution = out_grad * local
            if parent in grads:
                grads[parent] = grads[parent] + contribution
            else:
                grads[parent] = contribution

    gradients = [grads.get(x, 0.0) for x in inputs]
    if create_graph:
        gradients = [g if isinstance(g, Value) else Value(g) for g in gradients]
    return gradients


def _times(out_grad, local):
    """out_grad * local, without building nodes for a factor of 1 (None for 0).

    Either factor may be a float (a constant derivative, or the output's own
    grad 1.0) or a Value. Skipping the trivial products keeps the graph of
    a gradient as small as the expression a person would write.
    """
    if type(local) is float:
        if local == 0.0:
            return None
        if local == 1.0:
            return out_grad
    if type(out_grad) is float and out_grad == 1.0:
        return local
    return out_grad * local


def value_and_grad(f, points):
    """`(f(points), [df/dx for each point])`: one forward pass and one backward pass.

        >>> value_and_grad(lambda x, y: x * y + y.exp(), [3.0, 0.0])
        (1.0, [0.0, 4.0])

    `f(x0, x1, ...)` takes one Value per point and returns a scalar Value,
    as for `hessian` and `gradcheck`; `points` are numbers (or Values, whose
    data is used). The value is a float and the gradients are floats; no
    `.grad` is changed. This is what an optimizer needs from a function, in
    one call.
    """
    leaves = _leaves(points, 'value_and_grad')
    output = _call_scalar(f, leaves, 'value_and_grad')
    if not isinstance(output, Value):  # a constant function
        return float(output), [0.0] * len(leaves)
    return output.data, grad(output, leaves)


def hessian(f, inputs):
    """The matrix H[i][j] = d2 f / (dx_i dx_j) at `inputs`, a list of lists of floats.

    `f(x0, x1, ...)` takes one Value per input and returns a scalar Value;
    `inputs` are numbers. Reverse over reverse: one pass with create_graph
    gives the gradient as Values, then one reverse pass per gradient entry
    gives a row, n + 1 passes in all. H is symmetric when f is twice
    continuously differentiable.
    """
    leaves = _leaves(inputs, 'hessian')
    output = _call_scalar(f, leaves, 'hessian')
    if not isinstance(output, Value):  # a constant function
        return [[0.0] * len(leaves) for _ in leaves]
    gradient = grad(output, leaves, create_graph=True)
    return [grad(entry, leaves) for entry in gradient]


# --------------------------------------------------------------------------
# Forward mode


def jvp(f, primals, tangents):
    """`(f(primals), J(primals) @ tangents)`: the directional derivative, by forward mode.

        >>> jvp(lambda x, y: x * y, [3.0, 4.0], [1.0, 0.0])   # d(xy)/dx = y
        (12.0, 4.0)

    `f(x0, x1, ...)` takes one Value per primal and returns a Value, or a
    list of Values for a vector-valued f (numbers in it count as constants).
    `primals` and `tangents` are equally long lists of numbers. The result
    is (float, float) for a scalar f and (list, list) for a list.

    Forward accumulation: every node gets a tangent, the rate at which it
    moves as the inputs move along `tangents`:
        tangent(node) = sum over its parents of d(node)/d(parent) * tangent(parent).
    """
    leaves = _leaves(primals, 'jvp', 'primals')
    tangents = _numbers(tangents, 'jvp', 'tangents')
    if len(tangents) != len(leaves):
        raise ValueError(f'jvp: {len(tangents)} tangents for {len(leaves)} primals')
    outputs, is_scalar = _call_vector(f, leaves, 'jvp')
    tangent = _push_tangents(_forward_order(outputs), dict(zip(leaves, tangents)))
    values = [_data(out) for out in outputs]
    derivatives = [tangent.get(out, 0.0) if isinstance(out, Value) else 0.0 for out in outputs]
    if is_scalar:
        return values[0], derivatives[0]
    return values, derivatives


# Why tangents are pushed through the recorded graph instead of using dual
# numbers: a dual number (value, tangent) would need every operation written
# a second time in a Dual class, a second place for each derivative formula
# to be wrong. The graph that f records already knows, through each node's
# Rule, the same local derivatives that backward() uses, so forward mode here
# is the chain rule walked in the other direction over the same graph, and
# the two modes can only disagree if the walk is wrong. The price is memory:
# the whole graph is kept, where dual numbers could forget each value as
# soon as it is used. It also lets `jacobian` record f once and push one
# tangent per input through it.
def _push_tangents(order, seed):
    """tangent(node) for every node of `order` (parents first), as a dict.

    `seed` maps input leaves to their tangents; other leaves are constants
    (tangent 0).
    """
    tangent = dict(seed)
    for node in order:
        if node in tangent:
            continue
        if node.rule is None:
            tangent[node] = 0.0
            continue
        parent_tangents = [tangent[parent] for parent in node.parents]
        if not any(parent_tangents):
            # Nothing moves this node: skip its local derivatives (this is
            # what makes a jacobian column cheap where f ignores that input).
            tangent[node] = 0.0
            continue
        # A parent that does not move adds nothing, even where its local
        # derivative is infinite (d/dy x**y at x = 0): no 0 * inf = nan.
        tangent[node] = sum(local * t for local, t in zip(local_derivatives(node), parent_tangents) if t)
    return tangent


def _forward_order(outputs):
    """Every node some output depends on, each after its parents, once."""
    order = []
    seen = set()
    for out in outputs:
        if isinstance(out, Value) and out not in seen:
            for node in topo_order(out):
                if node not in seen:
                    seen.add(node)
                    order.append(node)
    return order


def jacobian(f, inputs, mode='reverse'):
    """J[i][j] = d f_i / d x_j at `inputs`, a list of lists of floats (one row per output).

    `f(x0, x1, ...)` takes one Value per input and returns a list of Values
    (a single Value gives a one-row matrix). Both modes record f's graph
    once and give the same matrix; they differ in the cost, for n inputs
    and m outputs:

    * mode='reverse': one reverse pass per output, m passes, each giving a
      row. Cheap for few outputs: a loss (m = 1) of a million weights.
    * mode='forward': one forward pass of tangents per input, n passes, each
      giving a column. Cheap for few inputs.
    """
    if mode not in ('reverse', 'forward'):
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    leaves = _leaves(inputs, 'jacobian')
    outputs, _ = _call_vector(f, leaves, 'jacobian')
    if mode == 'reverse':
        return [grad(out, leaves) if isinstance(out, Value) else [0.0] * len(leaves)
                for out in outputs]
    order = _forward_order(outputs)
    columns = []
    for j in range(len(leaves)):
        seed = {leaf: (1.0 if i == j else 0.0) for i, leaf in enumerate(leaves)}
        tangent = _push_tangents(order, seed)
        columns.append([tangent.get(out, 0.0) if isinstance(out, Value) else 0.0
                        for out in outputs])
    return [[column[i] for column in columns] for i in range(len(outputs))]


# --------------------------------------------------------------------------
# Checking arguments


def _as_value_list(items, function, name):
    if isinstance(items, Value):
        raise TypeError(f'{function}: {name} must be a list of Values; write [x], not x')
    items = check_list(function, name, items)
    for i, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(f'{function}: {name}[{i}] must be a Value, '
                            f'got {type(item).__name__}: {item!r}')
    return items


def _numbers(items, function, name):
    items = check_list(function, name, items)
    return [check_real(function, f'{name}[{i}]', item, finite=False) for i, item in enumerate(items)]


def _leaves(points, function, name='inputs'):
    """Fresh leaves x0, x1, ... holding `points` (numbers, or Values whose data is used)."""
    points = check_list(function, name, points)
    numbers = [point.data if isinstance(point, Value) else point for point in points]
    numbers = _numbers(numbers, function, name)
    if not is_grad_enabled():
        raise RuntimeError(f'{function}: f must record its graph; call it outside no_grad()')
    return [Value(x, f'x{i}') for i, x in enumerate(numbers)]


def _call_scalar(f, leaves, function):
    if not callable(f):
        raise TypeError(f'{function}: f must be a function, got {type(f).__name__}: {f!r}')
    out = f(*leaves)
    if not (isinstance(out, Value) or is_real(out)):
        raise TypeError(f'{function}: f must return a scalar Value, got {type(out).__name__}: {out!r}')
    return out


def _call_vector(f, leaves, function):
    """f's outputs as a list, and whether f returned a single scalar."""
    if not callable(f):
        raise TypeError(f'{function}: f must be a function, got {type(f).__name__}: {f!r}')
    out = f(*leaves)
    if isinstance(out, Value) or is_real(out):
        return [out], True
    if isinstance(out, (list, tuple)):
        for i, item in enumerate(out):
            if not (isinstance(item, Value) or is_real(item)):
                raise TypeError(f'{function}: f returned a list whose item {i} is not a Value: '
                                f'{type(item).__name__}: {item!r}')
        return list(out), False
    raise TypeError(f'{function}: f must return a Value or a list of Values, '
                    f'got {type(out).__name__}: {out!r}')


def _data(x):
    return x.data if isinstance(x, Value) else float(x)
