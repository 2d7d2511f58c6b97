"""The `Value`: a scalar that remembers how it was computed.

Read top to bottom: `Value`, a node holding its number (`data`), d(output)/d(node)
(`grad`), its `parents` and the `rule` that made it; `backward()`, the chain rule
walked from the output back; the primitives, one block each: a `Rule` (rule.py)
with the forward on floats (IEEE 754: floats.py), the local derivatives
(`partials`, the one place each derivative is written) and the words; what is
composed from them; their binding to Python's operators.
"""

import math
import operator

from . import floats, grad_mode as _mode
from .floats import as_float
from .rule import Rule, arguments, backward_from_partials, local_derivatives  # noqa: F401
from .grad_mode import is_grad_enabled, no_grad, set_anomaly_watcher  # noqa: F401 (the engine's names)


class Value:
    """A real number in a computation graph.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad        # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

    `<`, `<=`, `>`, `>=`, `float(v)` and `round(v, n)` read `.data`, so `max()`
    and `sorted()` work on Values and return the chosen node itself. `==` and
    `hash()` are by identity: a Value is a node, kept in sets and dicts.
    """

    # The parents live in the node: `_a`, `_b` (None where there are fewer),
    # all of them in `_more` when there are more than two; a tuple would be a
    # second object per node for the cyclic GC to scan, half the time of
    # building a large graph (docs/design.md). `_rule` is None for a leaf.
    __slots__ = ('data', 'grad', 'label', '_a', '_b', '_more', '_rule', '_const')

    def __init__(self, data, label=''):
        number = as_float(data)
        if number is None:
            raise TypeError(f'Value() takes a real number, got {type(data).__name__}: {data!r}')
        if not isinstance(label, str):
            raise TypeError(f'Value() label must be a str, got {type(label).__name__}')
        self.data, self.grad, self.label = number, 0.0, label
        self._a = self._b = self._rule = self._const = None  # a leaf
        self._more = ()

    def __repr__(self):
        label = f', label={self.label!r}' if self.label else ''
        return f'Value(data={self.data!r}, grad={self.grad!r}{label})'

    def __float__(self):
        return float(self.data)

    def __round__(self, ndigits=None):
        return round(self.data, ndigits)

    # The public node API: what every other module reads of a node.

    @property
    def parents(self):
        """The parents, a tuple in operand order, duplicates kept: `a + a` has two edges."""
        a, b = self._a, self._b
        if b is None:
            return () if a is None else (a,)
        return self._more or (a, b)

    _prev = parents  # micrograd's name for the same tuple
    rule = property(lambda self: self._rule, doc='The `Rule` that made this node; None for a leaf.')
    constant = property(lambda self: self._const, doc='The number operands: None, a number (`x * 2`), '
                        'or a tuple with None where a Value goes (several operands).')
    operands = property(lambda self: arguments(self) if self._rule else (), doc='Parents and numbers, in order.')

    @property
    def op(self):
        """The operation that made this value, as drawings show it ('' for a leaf); `_op` in micrograd."""
        rule, const = self._rule, self._const
        if rule is None or const is None or type(const) is tuple or '{}' not in rule.name:
            return '' if rule is None else rule.name
        return rule.name.format(floats.source_text(const))
    _op = op

    def _backward(self):
        """Push this node's `.grad` into its parents once (the local chain rule step)."""
        if self._rule is not None:
            self._rule.backward(self)

    def backward(self):
        """Fill `.grad` of every value this one depends on with d(self)/d(value).

        Leaf grads accumulate across calls (`zero_grad()` between steps);
        interior grads restart from zero, so a second call adds the same again.
        """
        interior = begin_backward(self)
        if _mode.watcher is not None:  # inside detect_anomaly()
            return _mode.watcher.backward(interior)
        for node in reversed(interior):
            node._rule.backward(node)

    def detach(self):
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self.data, self.label)

    # Order by value; equality and hashing stay by identity (see the class docstring).
    def __lt__(self, other):
        return _compare(self, operator.lt, other)

    def __le__(self, other):
        return _compare(self, operator.le, other)

    def __gt__(self, other):
        return _compare(self, operator.gt, other)

    def __ge__(self, other):
        return _compare(self, operator.ge, other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__


def topo_order(root, leaves=True):
    """Every node that `root` depends on, each after all of its parents; with
    `leaves=False` without the leaves. Depth-first with an explicit stack, not
    recursion: a chain of a million operations needs no more Python stack."""
    if root._a is None:
        return [root] if leaves else []
    order, seen = [], {root}
    # `path`: the nodes being explored; `parents`: the current one's parents not yet
    # visited; `pending`: those of the nodes above. Runs in every backward(): slot reads.
    path, pending = [root], []
    parents = iter(root.parents)
    while True:
        for parent in parents:
            if parent._a is not None:  # an interior node
                if parent not in seen:
                    seen.add(parent)
                    path.append(parent)
                    pending.append(parents)
                    b = parent._b  # `parent.parents`, written out
                    parents = iter((parent._a,) if b is None else parent._more or (parent._a, b))
                    break  # explore this parent's parents first
            # Leaves are told apart first: with leaves=False they never touch the set.
            elif leaves and parent not in seen:
                seen.add(parent)
                order.append(parent)
        else:
            order.append(path.pop())  # all its parents are in `order` now
            if not pending:
                return order
            parents = pending.pop()


def begin_backward(root):
    """The interior nodes in topological order, grads 0, the root's 1 (a leaf's += 1): backward's start."""
    interior = topo_order(root, leaves=False)
    for node in interior:
        node.grad = 0.0
    root.grad = root.grad + 1.0 if root._rule is None else 1.0
    return interior


# autograd.trace's hook (guards.py), None outside tracing: a branch on a comparison is a guard.
_comparison_watcher = None


def _compare(node, op, other):  # `node OP other` for a Value or real number, else NotImplemented
    number = _data_of(other)
    result = NotImplemented if number is None else op(node.data, number)
    if _comparison_watcher is not None and number is not None:
        _comparison_watcher(node, op, other, result)
    return result


# --------------------------------------------------------------------------
# Making nodes (no_grad and the anomaly watcher: autograd/grad_mode.py)

_new = object.__new__


def _data_of(x):  # a Value's data or a real number as a float; None for anything else
    return x.data if isinstance(x, Value) else as_float(x)


def _node(data, rule, a, b=None, const=None, more=()):
    """A new node made by `rule` from parents `a`, `b` (all in `more` if more than two), numbers `const`."""
    out = _new(Value)
    out.data, out.grad, out.label = data, 0.0, ''  # three at a time: no tuple is built
    out._a, out._b, out._more = a, b, more
    out._rule, out._const = rule, const
    if _mode.unusual:  # some thread is inside no_grad, or detect_anomaly is on
        if not is_grad_enabled():  # this thread: the node is a leaf
            out._a = out._b = out._rule = out._const = None
            out._more = ()
        elif _mode.watcher is not None:
            _mode.watcher.node_made(out)
    return out


def make_node(data, rule, parents, constant=None):
    """A node of value `data` made by `rule` from `parents` and the numbers `constant` (see `Value.constant`)."""
    parents = tuple(parents)
    if len(parents) == 1:
        return _node(data, rule, parents[0], None, constant)
    return _node(data, rule, parents[0], parents[1], constant, parents if len(parents) > 2 else ())


# --------------------------------------------------------------------------
# The primitives, one block each: the math, the rule, the function applying it.
# A fast backward only where measured to pay (docs/design.md, "A rule"); else the
# partials. A number operand c is kept on the node (`x + c`: ADD_CONST), not wrapped
# as a leaf: the benchmark's step is 65,514 nodes, micrograd's 69,018. + and * are
# written out: calling the rule's forward, as `_operator` does, cost 6-8% a node.


# a + b;  d/da = 1,  d/db = 1
def add(a, b):
    if isinstance(b, Value):
        return _node(a.data + b.data, ADD, a, b)
    c = as_float(b)
    return NotImplemented if c is None else _node(a.data + c, ADD_CONST, a, None, c)


def _add_backward(out):
    out._a.grad += out.grad
    out._b.grad += out.grad


ADD = Rule('+', operator.add, lambda out, a, b: (1.0, 1.0), '{a} + {b}', ('1', '1'), ('a', 'b'), _add_backward)
ADD_CONST = Rule('+{}', operator.add, lambda out, a, c: (1.0,), '{a} + {c}', ('1',), ('a', 'c'))


# a * b;  d/da = b,  d/db = a
def mul(a, b):
    if isinstance(b, Value):
        return _node(a.data * b.data, MUL, a, b)
    c = as_float(b)
    return NotImplemented if c is None else _node(a.data * c, MUL_CONST, a, None, c)


def _mul_backward(out):
    a, b, g = out._a, out._b, out.grad
    a.grad += b.data * g
    b.grad += a.data * g

def _mul_number_backward(out):  # x * c: 5% of the benchmark step's nodes
    out._a.grad += out._const * out.grad


MUL = Rule('*', operator.mul, lambda out, a, b: (b, a), '{a} * {b}', ('{b}', '{a}'), ('a', 'b'), _mul_backward)
MUL_CONST = Rule('*{}', operator.mul, lambda out, a, c: (c,), '{a} * {c}', ('{c}',), ('a', 'c'), _mul_number_backward)


def _operator(rule, with_number, number_first):
    """`a OP b` and `b OP a` for `a` a Value: by `rule`, or with a number `c` by
    the variant `with_number` (`x OP c`) or `number_first` (`c OP x`)."""
    forward = rule.forward

    def apply(a, b):
        if isinstance(b, Value):
            return _node(forward(a.data, b.data), rule, a, b)
        c = as_float(b)
        return NotImplemented if c is None else _node(forward(a.data, c), with_number, a, None, c)

    def reflected(a, b):
        c = as_float(b)
        return NotImplemented if c is None else _node(forward(c, a.data), number_first, a, None, c)

    return apply, reflected


# a / b;  d/da = 1/b,  d/db = -a/b**2 = -out/b. A primitive, not a * b**-1,
# so that the result is the correctly rounded quotient.
def _div_backward(out):
    a, b = out._a, out._b
    a.grad += floats.divide(out.grad, b.data)
    b.grad -= floats.divide(out.data, b.data) * out.grad  # not out * (g / b): 0 * inf at a = 0, tiny b

def _div_number_backward(out):
    out._a.grad += floats.divide(out.grad, out._const)


DIV = Rule('/', floats.divide, lambda out, a, b: (1.0 / b, -out / b), '{a} / {b}',
           ('(1 / {b})', '(-{out} / {b})'), ('a', 'b'), _div_backward)
DIV_CONST = Rule('/{}', floats.divide, lambda out, a, c: (floats.divide(1.0, c),), '{a} / {c}', ('(1 / {c})',),
                 ('a', 'c'), _div_number_backward)
RDIV_CONST = Rule('{}/', lambda a, c: floats.divide(c, a), lambda out, a, c: (-out / a,), '{c} / {a}',
                  ('(-{out} / {a})',), ('a', 'c'))
truediv, rtruediv = _operator(DIV, DIV_CONST, RDIV_CONST)


# a ** b;  d/da = b * a**(b-1),  d/db = log(a) * a**b = log(a) * out (nan for
# a < 0, where the power is not differentiable in b). Where b == 0, a**b is
# the constant 1 and d/da = 0, also at a = 0 where the formula gives 0 * inf.
def _power_slope(a, b):
    """d/da a**b, for floats or Values (a number b of 0 or 1 gives a constant)."""
    if not isinstance(a, Value):
        return floats.power_slope(a, b)
    exponent = _data_of(b)
    if exponent == 0.0 and (not isinstance(b, Value) or not math.isfinite(floats.power(a.data, -1.0))):
        return 0.0  # b is the number 0, or the formula would give 0 * inf (or 0 * nan)
    return 1.0 if exponent == 1.0 and not isinstance(b, Value) else b * a ** (b - 1.0)


POW = Rule('**', floats.power, lambda out, a, b: (_power_slope(a, b), log(a) * out), '{a} ** {b}',
           ('({b} * {a}**({b} - 1))', '(log({a}) * {out})'), ('a', 'b'))
POW_CONST = Rule('**{}', floats.power, lambda out, a, c: (_power_slope(a, c),), '{a} ** {c}',
                 ('({c} * {a}**{c1})',), ('a', 'c'))
RPOW_CONST = Rule('{}**', lambda a, c: floats.power(c, a), lambda out, a, c: (log(c) * out,), '{c} ** {a}',
                  ('(log({c}) * {out})',), ('a', 'c'))
power, rpower = _operator(POW, POW_CONST, RPOW_CONST)


# Functions of one operand, also of a float: `exp(2.0)` is a float, `exp(Value(2.0))`
# a node; so a rule's `partials` is one formula for floats and Values.
def _function(rule, doc):
    """The function that applies the one-operand `rule`: a node for a Value, a float for a number."""
    forward, name = rule.forward, rule.name

    def function(x):
        return _node(forward(x.data), rule, x) if isinstance(x, Value) else forward(floats.operand(x, name))

    function.__name__, function.__qualname__, function.__doc__ = name, name, doc
    return function


EXP = Rule('exp', floats.exp, lambda out, a: (out,), 'exp({a})', ('{out}',))
exp = _function(EXP, 'exp(x);  d/dx = exp(x) = out')


def _log_backward(out):
    out._a.grad += floats.divide(out.grad, out._a.data)


LOG = Rule('log', floats.log, lambda out, a: (1.0 / a,), 'log({a})', ('(1 / {a})',), backward=_log_backward)
log = _function(LOG, 'log(x), the natural logarithm;  d/dx = 1/x.  log(0) = -inf, log(x < 0) = nan.')


TANH = Rule('tanh', math.tanh, lambda out, a: (1.0 - out * out,), 'tanh({a})', ('(1 - {out}**2)',))
tanh = _function(TANH, 'tanh(x);  d/dx = 1 - tanh(x)**2 = 1 - out**2 (saturates at +-1, never overflows)')

SIGMOID = Rule('sigmoid', floats.sigmoid, lambda out, a: (out * (1.0 - out),), 'sigmoid({a})',
               ('{out} * (1 - {out})',))
sigmoid = _function(SIGMOID, 'sigmoid(x) = 1 / (1 + exp(-x));  d/dx = out * (1 - out)')


def _relu_backward(out):
    if out.data > 0.0:
        out._a.grad += out.grad


# The Heaviside step (and sign, for abs) is a constant also for a Value: its derivative is 0.
RELU = Rule('relu', floats.relu, lambda out, a: (floats.heaviside(_data_of(a)),), 'relu({a})',
            ('({a} > 0)',), backward=_relu_backward)
relu = _function(RELU, 'max(0, x);  d/dx = heaviside(x): 1 if x > 0 else 0 (0 at the kink, as PyTorch)')

ABS = Rule('abs', abs, lambda out, a: (floats.sign(_data_of(a)),), 'abs({a})', ('sign({a})',))
absolute = _function(ABS, '|x|;  d/dx = sign(x), and 0 at the kink x = 0 (as PyTorch)')

SIN = Rule('sin', floats.sin, lambda out, a: (cos(a),), 'sin({a})', ('cos({a})',))
sin = _function(SIN, 'sin(x);  d/dx = cos(x)')

COS = Rule('cos', floats.cos, lambda out, a: (-sin(a),), 'cos({a})', ('-sin({a})',))
cos = _function(COS, 'cos(x);  d/dx = -sin(x)')

SQRT = Rule('sqrt', floats.sqrt, lambda out, a: (0.5 / out,), 'sqrt({a})', ('(0.5 / {out})',))
sqrt = _function(SQRT, 'sqrt(x);  d/dx = 1 / (2 sqrt(x)) = 0.5 / out (+inf at 0); sqrt(x < 0) is nan')

ATAN = Rule('atan', math.atan, lambda out, a: (1.0 / (1.0 + a * a),), 'atan({a})', ('(1 / (1 + {a}**2))',))
atan = _function(ATAN, 'atan(x), the angle in (-pi/2, pi/2) whose tangent is x;  d/dx = 1 / (1 + x**2)')

SOFTPLUS = Rule('softplus', floats.softplus, lambda out, a: (sigmoid(a),), 'softplus({a})', ('sigmoid({a})',))
softplus = _function(SOFTPLUS, 'softplus(x) = log(1 + exp(x));  d/dx = sigmoid(x) (never overflows)')

LEAKY_RELU = Rule('leaky_relu', floats.leaky_relu, lambda out, a, slope: (1.0 if _data_of(a) > 0.0 else slope,),
                  'leaky_relu({a}, {c})', ('(1 if {a} > 0 else {c})',), ('a', 'c'))


def leaky_relu(x, slope=0.01):
    """x if x > 0 else slope * x;  d/dx = 1 if x > 0 else slope (slope at the kink)"""
    number = as_float(slope)
    if number is None:
        raise TypeError(f'leaky_relu: slope must be a real number, got {type(slope).__name__}: {slope!r}')
    if isinstance(x, Value):
        return _node(floats.leaky_relu(x.data, number), LEAKY_RELU, x, None, number)
    return floats.leaky_relu(floats.operand(x, 'leaky_relu'), number)


# max and min, the gate that routes the gradient: d/d(the chosen operand) = 1, else 0.
def _select_backward(out):
    operands = arguments(out)
    chosen = operands[floats.chosen([_data_of(x) for x in operands], out._rule is MAX)]
    if isinstance(chosen, Value):
        chosen.grad += out.grad


def _one_hot(operands, larger):
    chosen = floats.chosen([_data_of(x) for x in operands], larger)
    return tuple(1.0 if position == chosen else 0.0 for position in range(len(operands)))


MAX = Rule('max', floats.largest, lambda out, *xs: _one_hot(xs, True), 'max({args})', '({x} is the max)', None,
           _select_backward)
MIN = Rule('min', floats.smallest, lambda out, *xs: _one_hot(xs, False), 'min({args})', '({x} is the min)', None,
           _select_backward)


def maximum(*operands):
    """The largest operand, as one node (on a tie the first; a nan, as IEEE's maximum);
    d/d(the chosen operand) = 1, 0 for the others. Softmax subtracts `maximum(*logits)`."""
    return apply_rule(MAX, operands, 'max')


def minimum(*operands):
    """The smallest operand, as one node; the gradient goes to it as in `maximum`."""
    return apply_rule(MIN, operands, 'min')


def apply_rule(rule, operands, name):
    """`rule` applied to Values and numbers, mixed: a node whose `constant` is
    the numbers, None where a Value goes; a float if no operand is a Value."""
    if not operands:
        raise TypeError(f'{name}() needs at least one operand')
    numbers = [_data_of(x) for x in operands]
    if None in numbers:
        position = numbers.index(None)
        x, which = operands[position], position if rule.operands is None else repr(rule.operands[position])
        raise TypeError(f'{name}() takes Values and real numbers; operand {which} is {type(x).__name__}: {x!r}')
    parents = tuple(x for x in operands if isinstance(x, Value))
    if not parents:
        return rule.forward(*numbers)
    consts = None if len(parents) == len(operands) else tuple(
        None if isinstance(x, Value) else number for x, number in zip(operands, numbers))
    return make_node(rule.forward(*numbers), rule, parents, consts)


# atan2(a, b), the angle of the point (b, a);  d/da = b / (a**2 + b**2),  d/db = -a / (a**2 + b**2)
ATAN2 = Rule('atan2', math.atan2, lambda out, a, b: (b / (a * a + b * b), -a / (a * a + b * b)), 'atan2({a}, {b})',
             ('({b} / ({a}**2 + {b}**2))', '(-{a} / ({a}**2 + {b}**2))'), ('a', 'b'))


def atan2(y, x):
    """atan2(y, x), the angle of the point (x, y) in [-pi, pi];  d/dy = x / (x**2 + y**2),  d/dx = -y / (x**2 + y**2)"""
    return apply_rule(ATAN2, (y, x), 'atan2')


# Composed from the primitives

def neg(a):
    """-a = a * -1"""
    return mul(a, -1.0)


def sub(a, b):
    """a - b = a + (-b); exact in floats, as negation is."""
    if isinstance(b, Value):
        return add(a, neg(b))
    c = as_float(b)
    return NotImplemented if c is None else add(a, -c)


def rsub(a, b):
    """c - a = (-a) + c"""
    c = as_float(b)
    return NotImplemented if c is None else add(neg(a), c)


def clamp(x, lo=None, hi=None):
    """x limited to [lo, hi] = minimum(maximum(x, lo), hi);  d/dx = 1 for
    lo <= x <= hi (the bounds included, as PyTorch), else 0. Either bound may be None."""
    for bound_name, bound in (('lo', lo), ('hi', hi)):
        if bound is not None and as_float(bound) is None:
            raise TypeError(f'clamp: {bound_name} must be a real number or None, got {bound!r}')
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f'clamp: lo={lo!r} is greater than hi={hi!r}')
    x = x if lo is None else maximum(x, lo)
    return x if hi is None else minimum(x, hi)


# Binding the operations to Value. `x.__radd__(2)` is `2 + x`, and so on.

Value.__add__ = Value.__radd__ = add
Value.__mul__ = Value.__rmul__ = mul
Value.__sub__, Value.__rsub__, Value.__neg__, Value.__abs__ = sub, rsub, neg, absolute
Value.__truediv__, Value.__rtruediv__, Value.__pow__, Value.__rpow__ = truediv, rtruediv, power, rpower
Value.exp, Value.log, Value.tanh, Value.sigmoid, Value.relu = exp, log, tanh, sigmoid, relu
Value.sin, Value.cos, Value.sqrt, Value.softplus = sin, cos, sqrt, softplus
Value.leaky_relu, Value.clamp, Value.atan, Value.atan2 = leaky_relu, clamp, atan, atan2

# The functions of Values and numbers by name: what `autograd` exports with the
# Value, and what the draw command's expressions may call (python -m autograd draw).
FUNCTIONS = {'exp': exp, 'log': log, 'tanh': tanh, 'sigmoid': sigmoid, 'relu': relu, 'sin': sin, 'cos': cos,
             'sqrt': sqrt, 'leaky_relu': leaky_relu, 'softplus': softplus, 'clamp': clamp, 'atan': atan, 'atan2': atan2,
             'maximum': maximum, 'minimum': minimum}
__all__ = ['Value', 'no_grad', 'is_grad_enabled', *FUNCTIONS]

# Every built-in rule, for tests and tools that go through all of them.
RULES = (ADD, ADD_CONST, MUL, MUL_CONST, DIV, DIV_CONST, RDIV_CONST, POW, POW_CONST, RPOW_CONST,
         EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT, ABS, LEAKY_RELU, SOFTPLUS, MAX, MIN, ATAN, ATAN2)
