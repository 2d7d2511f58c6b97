"""The `Value`: a scalar that remembers how it was computed.

Reading guide. `Value` comes first: a node holds its number (`data`), the
derivative of the final output with respect to it (`grad`), its parents
(`_prev`) and the `Rule` of the operation that made it. `backward()` puts the
graph in topological order and walks it from the output back, letting each
node's rule push its gradient into its parents (the chain rule).

Then come the primitives. Each one is a single screen: the forward function,
the backward function that applies its local derivative, and its `Rule`.
Everything else (subtraction, negation, ...) is composed from them. At the
bottom the primitives are bound to Python's operators.

Design notes, all measured (see benchmarks/):

* No node refers to itself, directly or through a closure. A micrograd-style
  closure that captures its output node makes one reference cycle per node,
  so graphs are freed only by the cyclic garbage collector, which then
  dominates the run time. Here a rule is a plain module-level function that
  receives the node (`backward(out)`), so a graph is freed by reference
  counting the moment the last name for its root goes away.
* A node is one slotted object plus one tuple of parents. Rules are shared by
  every node of the same operation, so making a node allocates no function.
* Python numbers mixed into an expression (`2 * x`, `x ** 3`) are kept as a
  constant on the node, not wrapped as extra leaf nodes.
"""

import functools
import math
from numbers import Real

from .graph import topo_order

# Switched off by `no_grad()`: operations then record no parents and no rule.
_grad_enabled = True


class Value:
    """A real number in a computation graph.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad        # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
    """

    __slots__ = ('data', 'grad', 'label', '_prev', '_rule', '_const')

    def __init__(self, data, label=''):
        number = _as_number(data)
        if number is None:
            raise TypeError(f'Value() takes a real number, got {type(data).__name__}: {data!r}')
        if not isinstance(label, str):
            raise TypeError(f'Value() label must be a str, got {type(label).__name__}')
        self.data = number
        self.grad = 0.0
        self.label = label
        self._prev = ()  # a tuple, in operand order, duplicates kept: a + a has two edges
        self._rule = None  # None marks a leaf
        self._const = None  # the Python number in `x * 2`, `x ** 3`, `2 ** x`

    def __repr__(self):
        label = f', label={self.label!r}' if self.label else ''
        return f'Value(data={self.data!r}, grad={self.grad!r}{label})'

    @property
    def _op(self):
        """The operation that made this value, as drawings show it ('' for a leaf)."""
        rule = self._rule
        if rule is None:
            return ''
        if self._const is None:
            return rule.name
        return rule.name.format(_format_number(self._const))

    def _backward(self):
        """Push this node's `.grad` into its parents once (the local chain rule step)."""
        if self._rule is not None:
            self._rule.backward(self)

    def backward(self):
        """Fill `.grad` of every value this one depends on with d(self)/d(value).

        Gradients of leaves accumulate across calls (call `zero_grad()` on a
        model, or set `.grad = 0.0`, between steps). Interior nodes restart
        from zero on every call, so calling `backward()` twice adds exactly the
        same amounts to the leaves twice.
        """
        interior = topo_order(self, leaves=False)
        for node in interior:
            node.grad = 0.0
        if self._rule is None:
            self.grad += 1.0
        else:
            self.grad = 1.0
        for node in reversed(interior):
            node._rule.backward(node)

    def detach(self):
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self.data, self.label)


class Rule:
    """How one primitive operation differentiates.

    `name` is the operation as drawings show it; a `{}` in it is filled with
    the node's constant ('*{}' for `x * 2` shows '*2').

    `backward(out)` adds `out.grad` times each local derivative into the
    parents' `.grad`, in plain floats: the fast path of `Value.backward()`.

    `partials(out, a, b)` returns the local derivatives d(out)/d(parent), one
    per parent, written with ordinary arithmetic so that it works on floats
    (`out.data`, `a.data`, ...) for `explain` and forward mode, and on the
    Values themselves when a gradient must be differentiated again. `a` is
    the first Value operand; `b` is the second operand (a Value, the node's
    constant, or None).
    """

    __slots__ = ('name', 'backward', 'partials')

    def __init__(self, name, backward, partials):
        self.name = name
        self.backward = backward
        self.partials = partials

    def __repr__(self):
        return f'Rule({self.name!r})'


def local_derivatives(node, as_values=False):
    """d(node)/d(parent) for each entry of `node._prev`, in order; () for a leaf.

    As floats by default (for `explain`, forward mode and the stepper). With
    `as_values=True`, as expressions of the graph's own Values (an entry may
    be a plain number where the derivative is constant, e.g. 1.0 for `+`), so
    that a gradient built from them can be differentiated again.
    """
    rule = node._rule
    if rule is None:
        return ()
    parents = node._prev
    second = parents[1] if len(parents) == 2 else node._const
    if as_values:
        return rule.partials(node, parents[0], second)
    if len(parents) == 2:
        second = second.data
    return rule.partials(node.data, parents[0].data, second)


class no_grad:
    """Context manager (or decorator) in which operations build no graph.

    Results are plain leaves: no parents, no rule. Use it for evaluation,
    e.g. a decision-boundary grid of 10,000 points. Nested uses restore the
    state they found. The switch is process-wide, not per thread.
    """

    def __init__(self):
        self._saved = []

    def __enter__(self):
        global _grad_enabled
        self._saved.append(_grad_enabled)
        _grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self._saved.pop()
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return without_grad


def is_grad_enabled():
    """False inside `no_grad()`."""
    return _grad_enabled


# --------------------------------------------------------------------------
# Making nodes


def _as_number(x):
    """`x` as a float if it is a real number (bools excluded), else None."""
    kind = type(x)
    if kind is float:
        return x
    if kind is not int and (kind is bool or not isinstance(x, Real) or isinstance(x, bool)):
        return None
    try:
        return float(x)
    except OverflowError:
        digits = len(str(abs(int(x))))
        raise OverflowError(f'a number with {digits} digits is too large for a float') from None


def _format_number(x):
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


_new = object.__new__


def _node(data, parents, rule, const=None):
    """A new interior node (a leaf when gradients are off)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ''
    if _grad_enabled:
        out._prev = parents
        out._rule = rule
        out._const = const
    else:
        out._prev = ()
        out._rule = None
        out._const = None
    return out


# --------------------------------------------------------------------------
# The primitives. Each: forward, backward, rule. The docstring states the math.


def add(a, b):
    """a + b;  d/da = 1,  d/db = 1"""
    if isinstance(b, Value):
        return _node(a.data + b.data, (a, b), ADD)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(a.data + c, (a,), ADD_CONST, c)


def _add_backward(out):
    a, b = out._prev
    g = out.grad
    a.grad += g
    b.grad += g


def _add_const_backward(out):
    out._prev[0].grad += out.grad


ADD = Rule('+', _add_backward, lambda out, a, b: (1.0, 1.0))
ADD_CONST = Rule('+{}', _add_const_backward, lambda out, a, c: (1.0,))


def mul(a, b):
    """a * b;  d/da = b,  d/db = a"""
    if isinstance(b, Value):
        return _node(a.data * b.data, (a, b), MUL)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(a.data * c, (a,), MUL_CONST, c)


def _mul_backward(out):
    a, b = out._prev
    g = out.grad
    a.grad += b.data * g
    b.grad += a.data * g


def _mul_const_backward(out):
    out._prev[0].grad += out._const * out.grad


MUL = Rule('*', _mul_backward, lambda out, a, b: (b, a))
MUL_CONST = Rule('*{}', _mul_const_backward, lambda out, a, c: (c,))


def truediv(a, b):
    """a / b;  d/da = 1/b,  d/db = -a/b**2 = -out/b

    A primitive rather than a * b**-1 so that the result is the correctly
    rounded quotient, bit for bit what float division gives.
    """
    if isinstance(b, Value):
        if b.data == 0.0:
            raise ZeroDivisionError(f'division by zero: {a.data!r} / {b.data!r}')
        return _node(a.data / b.data, (a, b), DIV)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    if c == 0.0:
        raise ZeroDivisionError(f'division by zero: {a.data!r} / {b!r}')
    return _node(a.data / c, (a,), DIV_CONST, c)


def rtruediv(a, b):
    """c / a;  d/da = -c/a**2 = -out/a"""
    c = _as_number(b)
    if c is None:
        return NotImplemented
    if a.data == 0.0:
        raise ZeroDivisionError(f'division by zero: {b!r} / {a.data!r}')
    return _node(c / a.data, (a,), RDIV_CONST, c)


def _div_backward(out):
    a, b = out._prev
    g = out.grad / b.data
    a.grad += g
    b.grad -= out.data * g


def _div_const_backward(out):
    out._prev[0].grad += out.grad / out._const


def _rdiv_const_backward(out):
    a = out._prev[0]
    a.grad -= out.data / a.data * out.grad


DIV = Rule('/', _div_backward, lambda out, a, b: (1.0 / b, -out / b))
DIV_CONST = Rule('/{}', _div_const_backward, lambda out, a, c: (1.0 / c,))
RDIV_CONST = Rule('{}/', _rdiv_const_backward, lambda out, a, c: (-out / a,))


def power(a, b):
    """a ** b.  For a number b: d/da = b * a**(b-1).
    For a Value b (a > 0 required): d/da = b * a**(b-1),  d/db = log(a) * a**b"""
    if isinstance(b, Value):
        if a.data <= 0.0:
            raise ValueError(
                f'{a.data!r} ** Value({b.data!r}): a Value exponent needs a positive base, '
                f'since d/d(exponent) = log(base) * base ** exponent'
            )
        return _node(_checked_power(a.data, b.data), (a, b), POW)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(_checked_power(a.data, c), (a,), POW_CONST, c)


def rpower(a, b):
    """c ** a (c > 0);  d/da = log(c) * c**a"""
    c = _as_number(b)
    if c is None:
        return NotImplemented
    if c <= 0.0:
        raise ValueError(
            f'{b!r} ** Value({a.data!r}): a Value exponent needs a positive base, '
            f'since d/d(exponent) = log(base) * base ** exponent'
        )
    return _node(_checked_power(c, a.data), (a,), RPOW_CONST, c)


def _checked_power(base, exponent):
    if base < 0.0 and not exponent.is_integer():
        raise ValueError(f'{_show(base)} ** {_show(exponent)}: a negative base needs an integer exponent')
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f'{_show(base)} ** {_show(exponent)}: zero to a negative power')
    try:
        return base**exponent
    except OverflowError:
        raise OverflowError(f'{_show(base)} ** {_show(exponent)} is too large for a float') from None


def _show(x):
    """A number as it would be written in an expression: (-2.0), not -2.0."""
    return f'({x!r})' if x < 0.0 else repr(x)


def _power_slope(base, exponent):
    """d/dx x**c at x = base, c = exponent, in floats: c * x**(c-1), taking
    care where that formula itself fails. x**0 is constant (slope 0, even
    at 0); at x = 0 the slope is 0 for c > 1, 1 for c == 1 and infinite for
    0 < c < 1; where x**(c-1) overflows the slope is infinite too."""
    if exponent == 0.0:
        return 0.0
    if base == 0.0 and exponent < 1.0:
        return math.copysign(math.inf, exponent)
    try:
        return exponent * base ** (exponent - 1.0)
    except OverflowError:
        odd = (exponent - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, exponent) * (-1.0 if base < 0.0 and odd else 1.0)


def _slope(a, c):
    # As Values the slope must stay a differentiable expression; x**1 and
    # x**0 have constant slopes, and c * x**(c-1) would fail at x = 0 for c = 0.
    if isinstance(a, Value):
        return c if c in (0.0, 1.0) else c * a ** (c - 1.0)
    return _power_slope(a, c)


def _pow_backward(out):
    a, b = out._prev
    g = out.grad
    a.grad += _power_slope(a.data, b.data) * g
    b.grad += math.log(a.data) * out.data * g


def _pow_const_backward(out):
    a = out._prev[0]
    a.grad += _power_slope(a.data, out._const) * out.grad


def _rpow_const_backward(out):
    out._prev[0].grad += math.log(out._const) * out.data * out.grad


POW = Rule('**', _pow_backward, lambda out, a, b: (b * a ** (b - 1.0), _log(a) * out))
POW_CONST = Rule('**{}', _pow_const_backward, lambda out, a, c: (_slope(a, c),))
RPOW_CONST = Rule('{}**', _rpow_const_backward, lambda out, a, c: (math.log(c) * out,))


def exp(a):
    """exp(a);  d/da = exp(a) = out"""
    try:
        return _node(math.exp(a.data), (a,), EXP)
    except OverflowError:
        raise OverflowError(f'exp({a.data!r}) is too large for a float') from None


def _exp_backward(out):
    out._prev[0].grad += out.data * out.grad


EXP = Rule('exp', _exp_backward, lambda out, a, c: (out,))


def log(a):
    """log(a), the natural logarithm, a > 0;  d/da = 1/a"""
    if a.data <= 0.0:
        raise ValueError(f'log({a.data!r}): the logarithm needs a positive number')
    return _node(math.log(a.data), (a,), LOG)


def _log_backward(out):
    a = out._prev[0]
    a.grad += out.grad / a.data


def _log(x):
    return x.log() if isinstance(x, Value) else math.log(x)


LOG = Rule('log', _log_backward, lambda out, a, c: (1.0 / a,))


def tanh(a):
    """tanh(a);  d/da = 1 - tanh(a)**2 = 1 - out**2

    math.tanh saturates to +-1 instead of overflowing, unlike the textbook
    (e**2x - 1) / (e**2x + 1).
    """
    return _node(math.tanh(a.data), (a,), TANH)


def _tanh_backward(out):
    t = out.data
    out._prev[0].grad += (1.0 - t * t) * out.grad


TANH = Rule('tanh', _tanh_backward, lambda out, a, c: (1.0 - out * out,))


def sigmoid(a):
    """sigmoid(a) = 1 / (1 + exp(-a));  d/da = out * (1 - out)

    Only ever exponentiates a non-positive number, so it cannot overflow.
    """
    x = a.data
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return _node(s, (a,), SIGMOID)


def _sigmoid_backward(out):
    s = out.data
    out._prev[0].grad += s * (1.0 - s) * out.grad


SIGMOID = Rule('sigmoid', _sigmoid_backward, lambda out, a, c: (out * (1.0 - out),))


def relu(a):
    """max(0, a);  d/da = 1 if a > 0 else 0 (0 at the kink, as PyTorch)"""
    x = a.data
    return _node(0.0 if x <= 0.0 else x, (a,), RELU)  # NaN stays NaN


def _relu_backward(out):
    if out.data > 0.0:
        out._prev[0].grad += out.grad


def _step(x):
    x = x.data if isinstance(x, Value) else x
    return 1.0 if x > 0.0 else 0.0


RELU = Rule('relu', _relu_backward, lambda out, a, c: (_step(a),))


# --------------------------------------------------------------------------
# Composed from the primitives.


def neg(a):
    """-a = a * -1"""
    return mul(a, -1.0)


def sub(a, b):
    """a - b = a + (-b); exact in floats, as negation is."""
    if isinstance(b, Value):
        return add(a, neg(b))
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return add(a, -c)


def rsub(a, b):
    """c - a = (-a) + c"""
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return add(neg(a), c)


# --------------------------------------------------------------------------
# Binding the operations to Value. `x.__radd__(2)` is `2 + x`, and so on.

Value.__add__ = Value.__radd__ = add
Value.__mul__ = Value.__rmul__ = mul
Value.__sub__ = sub
Value.__rsub__ = rsub
Value.__truediv__ = truediv
Value.__rtruediv__ = rtruediv
Value.__pow__ = power
Value.__rpow__ = rpower
Value.__neg__ = neg
Value.exp = exp
Value.log = log
Value.tanh = tanh
Value.sigmoid = sigmoid
Value.relu = relu
