"""The `Value`: a scalar that remembers how it was computed.

Reading guide. `Value` comes first: a node holds its number (`data`), the
derivative of the final output with respect to it (`grad`), its parents
(`_prev`) and the `Rule` of the operation that made it. `backward()` puts the
graph in topological order and walks it from the output back, letting each
node's rule push its gradient into its parents (the chain rule).

Then comes `Rule`, the one description of a primitive operation: its forward
function on floats, its fast backward, its local derivatives, and how it is
written in words. Every tool reads primitives from their rules (the stepper,
`explain`, forward mode, higher-order `grad`, the tracer, the drawings), so
each derivative is written in exactly one place. `primitive()` makes a rule
for an operation you define yourself.

Then the primitives, one screen each, and what is composed from them
(subtraction, negation, clamp). At the bottom the primitives are bound to
Python's operators.

Floating-point policy: every operation gives the IEEE 754 result, as float
arithmetic and PyTorch do. Out of its domain an operation returns nan
(`log(-1)`, `sqrt(-1)`), at a pole or past the float range it returns an
infinity (`log(0)`, `1 / 0`, `exp(1000)`, `10 ** 400`); nothing raises. To
find where a nan or an infinity first appears, run the code inside
`autograd.detect_anomaly()`, which raises `FloatingPointError` there and
names the line that made the node.

Design notes, all measured (see benchmarks/):

* No node refers to itself, directly or through a closure. A micrograd-style
  closure that captures its output node makes one reference cycle per node,
  so graphs are freed only by the cyclic garbage collector, which then
  dominates the run time. Here a rule is shared by every node of its
  operation and receives the node (`backward(out)`), so a graph is freed by
  reference counting the moment the last name for its root goes away.
* A node is one slotted object that holds its parents itself: one object
  per node for the cyclic garbage collector to track, not two.
* Python numbers mixed into an expression (`2 * x`, `x ** 3`) are kept as a
  constant on the node, not wrapped as extra leaf nodes.
"""

import functools
import inspect
import math
import operator
import threading
from numbers import Real

from .graph import topo_order


class Value:
    """A real number in a computation graph.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad        # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

    `<`, `<=`, `>`, `>=` compare `.data` (with Values or numbers), so `max()`
    and `sorted()` work on Values and return the chosen node itself. `==` and
    `hash()` stay those of the object: a Value is a node of a graph, kept in
    sets and dicts by identity, and `Value(1.0) == Value(1.0)` is False.
    """

    # The parents are kept in the node itself: `_a` and `_b` are the first
    # and second (None where there are fewer), and an operation with more
    # than two keeps all of them in `_more` (else it is empty). A tuple of
    # parents would be a second object per node for Python's cyclic garbage
    # collector to count and scan, and that scanning was about half the time
    # of building a large graph (measured: docs/design.md, "The engine in one paragraph").
    __slots__ = ('data', 'grad', 'label', '_a', '_b', '_more', '_rule', '_const')

    def __init__(self, data, label=''):
        number = _as_number(data)
        if number is None:
            raise TypeError(f'Value() takes a real number, got {type(data).__name__}: {data!r}')
        if not isinstance(label, str):
            raise TypeError(f'Value() label must be a str, got {type(label).__name__}')
        self.data = number
        self.grad = 0.0
        self.label = label
        self._a = self._b = None  # a leaf has no parents
        self._more = ()
        self._rule = None  # None marks a leaf
        # The numbers among the operands: one number (`x * 2`, `x ** 3`,
        # `2 ** x`), or, for operations with several operands, a tuple of
        # all of them with None where a Value goes (see `arguments`).
        self._const = None

    def __repr__(self):
        label = f', label={self.label!r}' if self.label else ''
        return f'Value(data={self.data!r}, grad={self.grad!r}{label})'

    # The public node API: what every other module reads of a node.

    @property
    def parents(self):
        """The parents, a tuple in operand order, duplicates kept: `a + a` has two edges."""
        a, b = self._a, self._b
        if b is None:
            return () if a is None else (a,)
        return self._more or (a, b)

    _prev = parents  # micrograd's name for the same tuple

    @property
    def rule(self):
        """The `Rule` of the operation that made this node; None for a leaf."""
        return self._rule

    @property
    def constant(self):
        """The numbers among the operands: None, one number (`x * 2`), or for a
        variadic operation a tuple with None where a Value goes (see `arguments`)."""
        return self._const

    @property
    def operands(self):
        """The operands of the operation, in call order: the parents with the
        numbers put back in place (see `arguments`); () for a leaf."""
        return arguments(self) if self._rule is not None else ()

    @property
    def _op(self):
        """The operation that made this value, as drawings show it ('' for a leaf)."""
        rule = self._rule
        if rule is None:
            return ''
        const = self._const
        if const is None or type(const) is tuple or '{}' not in rule.name:
            return rule.name
        return rule.name.format(_format_number(const))

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
        interior = begin_backward(self)
        if _backward_watcher is not None:  # inside detect_anomaly()
            _backward_watcher(interior)
            return
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


def begin_backward(root):
    """Start a backward pass from `root`: the interior nodes in topological
    order, their grads set to 0, and the root's grad seeded with d(root)/d(root) = 1.

    A root that is a leaf keeps accumulating (`+= 1`), like every leaf.
    `Value.backward()` and the stepper (autograd/steps.py) both start here.
    """
    interior = topo_order(root, leaves=False)
    for node in interior:
        node.grad = 0.0
    if root._rule is None:
        root.grad += 1.0
    else:
        root.grad = 1.0
    return interior


# The hook of `detect_anomaly()` (autograd/anomaly.py): None outside it, so
# that the ordinary backward pays one global lookup per call and nothing per node.
_backward_watcher = None


def _compare(node, op, other):
    """`op(node.data, other's data)` for a Value or a real number; NotImplemented for anything else."""
    number = _data_of(other)
    if number is None:
        return NotImplemented
    result = op(node.data, number)
    if _comparison_watcher is not None:  # inside autograd.trace, which guards replays on it
        _comparison_watcher(node, op, other, result)
    return result


# The hook of `autograd.trace` (autograd/trace.py): None outside tracing. While
# set, it is told of every comparison of a Value (node, op, other, result),
# because a branch on one makes the graph depend on the data.
_comparison_watcher = None


# --------------------------------------------------------------------------
# Rules


class Rule:
    """How one primitive operation computes and differentiates.

    `name`: the operation as drawings show it; a `{}` in it is filled with
    the node's constant ('*{}' shows `x * 2` as '*2').

    `forward(*operands)`: the result on plain floats, IEEE 754 style (nan or
    an infinity, never an exception). The operations call it (or the same
    expression inline), and the tracer replays it.

    `backward(out)`: adds `out.grad` times each local derivative into the
    parents' `.grad`, in plain floats: the fast path of `Value.backward()`.

    `partials(out, *operands)`: the local derivatives d(out)/d(operand), one
    per operand that is a Value (in the order of `out._prev`), written with
    operations that work on floats and on Values alike (`+ - * / **` and
    autograd's `exp`, `log`, `sin`, ...). It is called with the node and its
    operands (see `arguments`) when a gradient must be differentiated again,
    and with floats for `explain`, forward mode and the stepper's numbers.

    `operands`: names of the operands, as `expression` and `derivatives` use
    them; `c` is a number operand. None for a variadic operation.
    `expression`: the forward in words, e.g. '{a} * {b}' or 'exp({a})'.
    `derivatives`: the local derivatives in words, one per operand (the
    number operand of a built-in, last, has none), with `{out}` for the
    result and `{c1}` for the constant minus one; '1' means exactly one. A
    variadic operation gives one text with `{x}` for each operand.
    """

    __slots__ = ('name', 'forward', 'backward', 'partials', 'operands', 'expression', 'derivatives')

    def __init__(self, name, forward, backward, partials, operands, expression, derivatives):
        self.name = name
        self.forward = forward
        self.backward = backward
        self.partials = partials
        self.operands = operands
        self.expression = expression
        self.derivatives = derivatives

    def __repr__(self):
        return f'Rule({self.name!r})'

    def texts(self, node, show):
        """(expression, local derivatives) of `node` in words.

        `show(v)` writes a Value: called with each Value operand and with the
        node itself (for `{out}`). Numbers are written as in Python source.
        Returns one derivative text per parent, in the order of `node._prev`.
        """
        operands = arguments(node)
        shown = [show(x) if isinstance(x, Value) else _format_number(x) for x in operands]
        if self.operands is None:  # variadic: max(a, b, 3)
            expression = self.expression.format(args=', '.join(shown))
            derivatives = tuple(self.derivatives.format(x=text, out=show(node))
                                for x, text in zip(operands, shown) if isinstance(x, Value))
            return expression, derivatives
        fill = dict(zip(self.operands, shown), out=show(node))
        const = node._const
        if const is not None and type(const) is not tuple:
            fill['c1'] = _format_number(const - 1.0)
        expression = self.expression.format(**fill)
        derivatives = tuple(text.format(**fill) for text, x in zip(self.derivatives, operands)
                            if isinstance(x, Value))
        return expression, derivatives


def arguments(node):
    """The operands of the operation that made `node`, in call order: its
    parents with the numbers it was given put back in place."""
    const = node._const
    if const is None:
        return node._prev
    if type(const) is tuple:
        parents = iter(node._prev)
        return tuple(next(parents) if c is None else c for c in const)
    return node._prev + (const,)


def local_derivatives(node, as_values=False):
    """d(node)/d(parent) for each entry of `node._prev`, in order; () for a leaf.

    As floats by default (for `explain`, forward mode and the stepper). With
    `as_values=True`, as expressions of the graph's own Values (an entry may
    be a plain number where the derivative is constant, e.g. 1.0 for `+`), so
    that a gradient built from them can be differentiated again.
    """
    if node._rule is None:
        return ()
    const = node._const
    if type(const) is tuple:  # numbers among several operands: keep the Values' entries
        operands = arguments(node)
        found = _partials(node, operands, as_values)
        return tuple(d for d, x in zip(found, operands) if isinstance(x, Value))
    # The Values come first; a built-in's number operand, last, has no entry.
    operands = node._prev if const is None else (*node._prev, const)
    return tuple(_partials(node, operands, as_values))


def _partials(node, operands, as_values):
    """`node._rule.partials` on the node and its operands, as Values or as floats."""
    rule = node._rule
    if as_values:
        return rule.partials(node, *operands)
    floats = [x.data if type(x) is Value else x for x in operands]
    try:
        return rule.partials(node.data, *floats)
    except (ZeroDivisionError, OverflowError):
        # Python raised where IEEE 754 has an answer (1 / 0.0): the same
        # formula on fresh leaves, whose operations follow IEEE.
        with no_grad():
            found = rule.partials(Value(node.data), *(Value(x) for x in floats))
        return [x.data if isinstance(x, Value) else x for x in found]


# --------------------------------------------------------------------------
# Recording on and off, per thread


class no_grad:
    """Context manager (or decorator) in which operations build no graph.

    Results are plain leaves: no parents, no rule. Use it for evaluation,
    e.g. a decision-boundary grid of 10,000 points. Nested uses restore the
    state they found. The switch is per thread, as PyTorch's is: a thread
    inside `no_grad` does not stop another from recording.
    """

    def __enter__(self):
        global _threads_without_grad
        depth = getattr(_this_thread, 'depth', 0)
        if depth == 0:
            with _count_lock:
                _threads_without_grad += 1
        _this_thread.depth = depth + 1
        return self

    def __exit__(self, *exc_info):
        global _threads_without_grad
        depth = _this_thread.depth - 1
        _this_thread.depth = depth
        if depth == 0:
            with _count_lock:
                _threads_without_grad -= 1
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return without_grad


# How deep the current thread is in `no_grad` blocks (`depth`), and how many
# threads are in one at all. While that count is 0, which is nearly always,
# making a node costs one global lookup to know it must record.
_this_thread = threading.local()
_threads_without_grad = 0
_count_lock = threading.Lock()


def is_grad_enabled():
    """False inside `no_grad()` (in this thread)."""
    return getattr(_this_thread, 'depth', 0) == 0


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


def _data_of(x):
    """A Value's data or a real number as a float; None for anything else."""
    return x.data if isinstance(x, Value) else _as_number(x)


def _format_number(x):
    """A number as Python source would write it: 2 for 2.0, 0.5, 1e-08, inf."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


_new = object.__new__


def _node(data, rule, a, b=None, const=None, more=()):
    """A new interior node with parents `a` (and `b`; all of them in `more`
    when there are more than two), or a leaf when this thread is inside no_grad."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ''
    if _threads_without_grad and getattr(_this_thread, 'depth', 0):
        out._a = out._b = out._rule = out._const = None
        out._more = ()
    else:
        out._a = a
        out._b = b
        out._more = more
        out._rule = rule
        out._const = const
    return out


def make_node(data, rule, parents, constant=None):
    """A new node with value `data`, made by `rule` from the tuple `parents`
    (one or more Values) and the number operands `constant` (as the node's
    `constant` holds them). Under `no_grad` it is a leaf."""
    return _node_of(data, rule, tuple(parents), constant)


def _node_of(data, rule, parents, const=None):
    """`_node` for a tuple of one or more parents (the variadic operations)."""
    if len(parents) == 1:
        return _node(data, rule, parents[0], None, const)
    return _node(data, rule, parents[0], parents[1], const, parents if len(parents) > 2 else ())


def _divide(x, y):
    """x / y in floats, with IEEE 754's answer where Python raises: x / 0 is
    an infinity signed by x and the zero's sign, 0 / 0 is nan."""
    if y:
        return x / y
    if x != x or x == 0.0:
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, y)


# --------------------------------------------------------------------------
# The primitives. Each: forward, backward, rule. The docstring states the math.


def add(a, b):
    """a + b;  d/da = 1,  d/db = 1"""
    if isinstance(b, Value):
        return _node(a.data + b.data, ADD, a, b)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(a.data + c, ADD_CONST, a, None, c)


def _add_backward(out):
    a, b = out._a, out._b
    g = out.grad
    a.grad += g
    b.grad += g


def _add_const_backward(out):
    out._a.grad += out.grad


ADD = Rule('+', operator.add, _add_backward, lambda out, a, b: (1.0, 1.0),
           ('a', 'b'), '{a} + {b}', ('1', '1'))
ADD_CONST = Rule('+{}', operator.add, _add_const_backward, lambda out, a, c: (1.0,),
                 ('a', 'c'), '{a} + {c}', ('1',))


def mul(a, b):
    """a * b;  d/da = b,  d/db = a"""
    if isinstance(b, Value):
        return _node(a.data * b.data, MUL, a, b)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(a.data * c, MUL_CONST, a, None, c)


def _mul_backward(out):
    a, b = out._a, out._b
    g = out.grad
    a.grad += b.data * g
    b.grad += a.data * g


def _mul_const_backward(out):
    out._a.grad += out._const * out.grad


MUL = Rule('*', operator.mul, _mul_backward, lambda out, a, b: (b, a),
           ('a', 'b'), '{a} * {b}', ('{b}', '{a}'))
MUL_CONST = Rule('*{}', operator.mul, _mul_const_backward, lambda out, a, c: (c,),
                 ('a', 'c'), '{a} * {c}', ('{c}',))


def truediv(a, b):
    """a / b;  d/da = 1/b,  d/db = -a/b**2 = -out/b

    A primitive rather than a * b**-1 so that the result is the correctly
    rounded quotient, bit for bit what float division gives. x / 0 is an
    infinity (nan for 0 / 0), as IEEE 754 says.
    """
    if isinstance(b, Value):
        return _node(_divide(a.data, b.data), DIV, a, b)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(_divide(a.data, c), DIV_CONST, a, None, c)


def rtruediv(a, b):
    """c / a;  d/da = -c/a**2 = -out/a"""
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(_divide(c, a.data), RDIV_CONST, a, None, c)


def _div_backward(out):
    a, b = out._a, out._b
    g = _divide(out.grad, b.data)
    a.grad += g
    b.grad -= out.data * g


def _div_const_backward(out):
    out._a.grad += _divide(out.grad, out._const)


def _rdiv_const_backward(out):
    a = out._a
    a.grad -= _divide(out.data, a.data) * out.grad


DIV = Rule('/', _divide, _div_backward, lambda out, a, b: (1.0 / b, -out / b),
           ('a', 'b'), '{a} / {b}', ('(1 / {b})', '(-{out} / {b})'))
DIV_CONST = Rule('/{}', _divide, _div_const_backward, lambda out, a, c: (1.0 / c,),
                 ('a', 'c'), '{a} / {c}', ('(1 / {c})',))
RDIV_CONST = Rule('{}/', lambda a, c: _divide(c, a), _rdiv_const_backward, lambda out, a, c: (-out / a,),
                  ('a', 'c'), '{c} / {a}', ('(-{out} / {a})',))


def power(a, b):
    """a ** b.  For a number b: d/da = b * a**(b-1).
    For a Value b: d/da = b * a**(b-1),  d/db = log(a) * a**b = log(a) * out
    (nan for a < 0, where the power is not differentiable in b)."""
    if isinstance(b, Value):
        return _node(_power(a.data, b.data), POW, a, b)
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(_power(a.data, c), POW_CONST, a, None, c)


def rpower(a, b):
    """c ** a;  d/da = log(c) * c**a = log(c) * out"""
    c = _as_number(b)
    if c is None:
        return NotImplemented
    return _node(_power(c, a.data), RPOW_CONST, a, None, c)


def _power(base, exponent):
    """base ** exponent in floats, IEEE 754 style: nan for a negative base and
    a fractional exponent (Python would make a complex number), an infinity
    for zero to a negative power and past the float range."""
    try:
        result = base**exponent
    except ZeroDivisionError:  # 0 ** negative: signed like the zero for odd integer exponents
        return math.copysign(math.inf, base) if exponent % 2.0 == 1.0 else math.inf
    except OverflowError:
        if base < 0.0 and not exponent.is_integer():
            return math.nan
        return -math.inf if base < 0.0 and exponent % 2.0 == 1.0 else math.inf
    return math.nan if type(result) is complex else result


def _pow(x, exponent):
    """x ** exponent for a Value (a node) or a float (IEEE: nan, not a complex number)."""
    return x ** exponent if isinstance(x, Value) else _power(x, exponent)


def _power_derivative_float(base, exponent):
    """d/dx x**c at x = base, c = exponent: c * x**(c-1), except that x**0 is
    constant (slope 0, even at 0). At x = 0 the slope is 0 for c > 1, 1 for
    c == 1 and infinite for c < 1."""
    if exponent == 0.0:
        return 0.0
    return exponent * _power(base, exponent - 1.0)


def _power_derivative(x, c):
    """d/dx x**c for a number c, as a float for a float x and as a
    differentiable expression for a Value x."""
    if isinstance(x, Value):
        # x**1 and x**0 have constant slopes; c * x**(c-1) would give 0 * x**-1 for c = 0.
        return c if c in (0.0, 1.0) else c * x ** (c - 1.0)
    return _power_derivative_float(x, c)


def _pow_backward(out):
    a, b = out._a, out._b
    g = out.grad
    a.grad += _power_derivative_float(a.data, b.data) * g
    b.grad += _log(a.data) * out.data * g


def _pow_const_backward(out):
    a = out._a
    a.grad += _power_derivative_float(a.data, out._const) * out.grad


def _rpow_const_backward(out):
    out._a.grad += _log(out._const) * out.data * out.grad


POW = Rule('**', _power, _pow_backward, lambda out, a, b: (b * _pow(a, b - 1.0), log(a) * out),
           ('a', 'b'), '{a} ** {b}', ('({b} * {a}**({b} - 1))', '(log({a}) * {out})'))
POW_CONST = Rule('**{}', _power, _pow_const_backward, lambda out, a, c: (_power_derivative(a, c),),
                 ('a', 'c'), '{a} ** {c}', ('({c} * {a}**{c1})',))
RPOW_CONST = Rule('{}**', lambda a, c: _power(c, a), _rpow_const_backward, lambda out, a, c: (log(c) * out,),
                  ('a', 'c'), '{c} ** {a}', ('(log({c}) * {out})',))


# --------------------------------------------------------------------------
# Functions of one Value. Each is also a function of a float: `exp(2.0)` is
# a float, `exp(Value(2.0))` a node. That is what lets a rule's `partials`
# be one formula for floats and Values.


def _number(x, name):
    """A real number given to `name()` instead of a Value, as a float; TypeError otherwise."""
    number = _as_number(x)
    if number is None:
        raise TypeError(f'{name}() takes a Value or a real number, got {type(x).__name__}: {x!r}')
    return number


def exp(x):
    """exp(x);  d/dx = exp(x) = out"""
    if isinstance(x, Value):
        return _node(_exp(x.data), EXP, x)
    return _exp(_number(x, 'exp'))


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _exp_backward(out):
    out._a.grad += out.data * out.grad


EXP = Rule('exp', _exp, _exp_backward, lambda out, a: (out,), ('a',), 'exp({a})', ('{out}',))


def log(x):
    """log(x), the natural logarithm;  d/dx = 1/x.  log(0) = -inf, log(x < 0) = nan."""
    if isinstance(x, Value):
        return _node(_log(x.data), LOG, x)
    return _log(_number(x, 'log'))


def _log(x):
    if x > 0.0 or x != x:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def _log_backward(out):
    a = out._a
    a.grad += _divide(out.grad, a.data)


LOG = Rule('log', _log, _log_backward, lambda out, a: (1.0 / a,), ('a',), 'log({a})', ('(1 / {a})',))


def tanh(x):
    """tanh(x);  d/dx = 1 - tanh(x)**2 = 1 - out**2

    math.tanh saturates to +-1 instead of overflowing, unlike the textbook
    (e**2x - 1) / (e**2x + 1).
    """
    if isinstance(x, Value):
        return _node(math.tanh(x.data), TANH, x)
    return math.tanh(_number(x, 'tanh'))


def _tanh_backward(out):
    t = out.data
    out._a.grad += (1.0 - t * t) * out.grad


TANH = Rule('tanh', math.tanh, _tanh_backward, lambda out, a: (1.0 - out * out,),
            ('a',), 'tanh({a})', ('(1 - {out}**2)',))


def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x));  d/dx = out * (1 - out)"""
    if isinstance(x, Value):
        return _node(_sigmoid(x.data), SIGMOID, x)
    return _sigmoid(_number(x, 'sigmoid'))


def _sigmoid(x):
    # Only ever exponentiates a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_backward(out):
    s = out.data
    out._a.grad += s * (1.0 - s) * out.grad


SIGMOID = Rule('sigmoid', _sigmoid, _sigmoid_backward, lambda out, a: (out * (1.0 - out),),
               ('a',), 'sigmoid({a})', ('{out} * (1 - {out})',))


def relu(x):
    """max(0, x);  d/dx = heaviside(x): 1 if x > 0 else 0 (0 at the kink, as PyTorch)"""
    if isinstance(x, Value):
        return _node(_relu(x.data), RELU, x)
    return _relu(_number(x, 'relu'))


def _relu(x):
    return 0.0 if x <= 0.0 else x  # nan stays nan


def _relu_backward(out):
    if out.data > 0.0:
        out._a.grad += out.grad


def _heaviside(x):
    """The Heaviside step: 1.0 for x > 0, else 0.0 (a constant, also for a Value:
    its own derivative is 0 wherever it exists)."""
    return 1.0 if _data_of(x) > 0.0 else 0.0


RELU = Rule('relu', _relu, _relu_backward, lambda out, a: (_heaviside(a),),
            ('a',), 'relu({a})', ('({a} > 0)',))


def sin(x):
    """sin(x);  d/dx = cos(x)"""
    if isinstance(x, Value):
        return _node(_sin(x.data), SIN, x)
    return _sin(_number(x, 'sin'))


def _sin(x):
    return math.sin(x) if math.isfinite(x) else math.nan


def _sin_backward(out):
    a = out._a
    a.grad += _cos(a.data) * out.grad


SIN = Rule('sin', _sin, _sin_backward, lambda out, a: (cos(a),), ('a',), 'sin({a})', ('cos({a})',))


def cos(x):
    """cos(x);  d/dx = -sin(x)"""
    if isinstance(x, Value):
        return _node(_cos(x.data), COS, x)
    return _cos(_number(x, 'cos'))


def _cos(x):
    return math.cos(x) if math.isfinite(x) else math.nan


def _cos_backward(out):
    a = out._a
    a.grad -= _sin(a.data) * out.grad


COS = Rule('cos', _cos, _cos_backward, lambda out, a: (-sin(a),), ('a',), 'cos({a})', ('-sin({a})',))


def sqrt(x):
    """sqrt(x), x >= 0;  d/dx = 1 / (2 sqrt(x)) = 0.5 / out.

    At 0 the slope is +inf (the tangent is vertical); sqrt(x < 0) is nan.
    """
    if isinstance(x, Value):
        return _node(_sqrt(x.data), SQRT, x)
    return _sqrt(_number(x, 'sqrt'))


def _sqrt(x):
    return math.sqrt(x) if x >= 0.0 else math.nan


def _sqrt_backward(out):
    out._a.grad += _divide(0.5, out.data) * out.grad


SQRT = Rule('sqrt', _sqrt, _sqrt_backward, lambda out, a: (0.5 / out,), ('a',), 'sqrt({a})', ('(0.5 / {out})',))


def absolute(x):
    """|x|;  d/dx = sign(x), and 0 at the kink x = 0 (as PyTorch's sign)."""
    if isinstance(x, Value):
        return _node(abs(x.data), ABS, x)
    return abs(_number(x, 'abs'))


def _sign(x):
    """-1.0, 0.0 or 1.0 (a constant, also for a Value)."""
    x = _data_of(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def _abs_backward(out):
    a = out._a
    a.grad += _sign(a.data) * out.grad


ABS = Rule('abs', abs, _abs_backward, lambda out, a: (_sign(a),), ('a',), 'abs({a})', ('sign({a})',))


def leaky_relu(x, slope=0.01):
    """x if x > 0 else slope * x;  d/dx = 1 if x > 0 else slope (slope at the kink)"""
    number = _as_number(slope)
    if number is None:
        raise TypeError(f'leaky_relu: slope must be a real number, got {type(slope).__name__}: {slope!r}')
    if isinstance(x, Value):
        return _node(_leaky_relu(x.data, number), LEAKY_RELU, x, None, number)
    return _leaky_relu(_number(x, 'leaky_relu'), number)


def _leaky_relu(x, slope):
    return x if x > 0.0 else slope * x


def _leaky_relu_backward(out):
    a = out._a
    a.grad += (1.0 if a.data > 0.0 else out._const) * out.grad


LEAKY_RELU = Rule('leaky_relu', _leaky_relu, _leaky_relu_backward,
                  lambda out, a, slope: (1.0 if _data_of(a) > 0.0 else slope,),
                  ('a', 'c'), 'leaky_relu({a}, {c})', ('(1 if {a} > 0 else {c})',))


def softplus(x):
    """softplus(x) = log(1 + exp(x));  d/dx = sigmoid(x)

    Computed as max(x, 0) + log1p(exp(-|x|)): no overflow at x = 1000 (it
    gives 1000.0) and full precision where the result is tiny (at x = -30
    it is exp(-30) to the last bit, not 1 + exp(-30) - 1).
    """
    if isinstance(x, Value):
        return _node(_softplus(x.data), SOFTPLUS, x)
    return _softplus(_number(x, 'softplus'))


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_backward(out):
    a = out._a
    a.grad += _sigmoid(a.data) * out.grad


SOFTPLUS = Rule('softplus', _softplus, _softplus_backward, lambda out, a: (sigmoid(a),),
                ('a',), 'softplus({a})', ('sigmoid({a})',))


# --------------------------------------------------------------------------
# max and min of several operands: the gate that routes the gradient


def maximum(*operands):
    """The largest operand, as one node;  d/d(the chosen operand) = 1, 0 for the others.

    Values and numbers may be mixed: `maximum(x, y, 0.0)`. On a tie the first
    largest operand, in the order given, is chosen and gets the whole
    gradient; a nan operand is chosen (the result is nan) as IEEE's maximum
    propagates nan. This is the max gate of backprop: softmax can subtract
    `maximum(*logits)` inside the graph instead of a number read from `.data`.
    """
    return _select(MAX, operands)


def minimum(*operands):
    """The smallest operand, as one node; the gradient goes to it as in `maximum`."""
    return _select(MIN, operands)


def _select(rule, operands):
    if not operands:
        raise TypeError(f'{rule.name}() needs at least one operand')
    numbers = [_data_of(x) for x in operands]
    for position, number in enumerate(numbers):
        if number is None:
            x = operands[position]
            raise TypeError(f'{rule.name}() takes Values and real numbers; '
                            f'operand {position} is {type(x).__name__}: {x!r}')
    parents = tuple(x for x in operands if isinstance(x, Value))
    if not parents:
        return rule.forward(*numbers)
    consts = None
    if len(parents) < len(operands):
        consts = tuple(None if isinstance(x, Value) else number for x, number in zip(operands, numbers))
    return _node_of(rule.forward(*numbers), rule, parents, consts)


def _chosen(numbers, larger):
    """Position of the operand chosen by max (larger=True) or min: the first
    nan, else the first one that no later operand beats."""
    chosen = 0
    for position, x in enumerate(numbers):
        if x != x:
            return position
        if (x > numbers[chosen]) if larger else (x < numbers[chosen]):
            chosen = position
    return chosen


def _max(*numbers):
    return numbers[_chosen(numbers, True)]


def _min(*numbers):
    return numbers[_chosen(numbers, False)]


def _select_backward(out):
    operands = arguments(out)
    chosen = operands[_chosen([_data_of(x) for x in operands], out._rule is MAX)]
    if isinstance(chosen, Value):
        chosen.grad += out.grad


def _one_hot(larger):
    def partials(out, *operands):
        chosen = _chosen([_data_of(x) for x in operands], larger)
        return tuple(1.0 if position == chosen else 0.0 for position in range(len(operands)))
    return partials


MAX = Rule('max', _max, _select_backward, _one_hot(True), None, 'max({args})', '({x} is the max)')
MIN = Rule('min', _min, _select_backward, _one_hot(False), None, 'min({args})', '({x} is the min)')


# --------------------------------------------------------------------------
# Your own primitive


def primitive(name, forward, partials):
    """A new scalar operation, defined once: returns a function that applies it.

    `forward(*floats) -> float` computes the result. `partials(out, *operands)`
    returns the local derivatives d(out)/d(operand), one per operand, written
    with operations that work on floats and on Values alike (`+ - * / **` and
    autograd's `exp`, `log`, `sin`, `sigmoid`, ...). The same formula then
    serves `backward()`, higher-order `grad`, `jvp`, `explain`, the stepper
    and traced programs.

    >>> from autograd import exp, log
    >>> softplus = primitive('softplus', lambda x: math.log1p(math.exp(x)),
    ...                      lambda out, x: (1 / (1 + exp(-x)),))
    >>> x = Value(0.0); y = softplus(x); y.backward(); x.grad
    0.5

    The built-in operations are `Rule`s too; theirs have a hand-written fast
    backward, while here the backward evaluates `partials` on floats.
    The function made accepts Values and numbers; given only numbers it
    returns `forward`'s float.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f'primitive: name must be a str that is a Python name, got {name!r}')
    for role, function in (('forward', forward), ('partials', partials)):
        if not callable(function):
            raise TypeError(f'primitive {name!r}: {role} must be a function, got {type(function).__name__}')
    operand_names = _positional_names(name, 'forward', forward)
    if operand_names is None:
        raise TypeError(f'primitive {name!r}: cannot read the parameters of forward; '
                        f'wrap it, e.g. lambda x, y: math.hypot(x, y)')
    arity = len(operand_names)
    if arity == 0:
        raise TypeError(f'primitive {name!r}: forward must take at least one operand')
    partials_names = _positional_names(name, 'partials', partials)
    if partials_names is not None and len(partials_names) != arity + 1:
        raise TypeError(f'primitive {name!r}: partials must take (out, {", ".join(operand_names)}), '
                        f'{arity + 1} arguments; it takes {len(partials_names)}')

    def checked_partials(out, *operands):
        found = tuple(partials(out, *operands))
        if len(found) != arity:
            raise ValueError(f'primitive {name!r}: partials returned {len(found)} local derivatives '
                             f'for {arity} operands ({", ".join(operand_names)})')
        return found

    placeholders = ', '.join(f'{{{operand}}}' for operand in operand_names)
    rule = Rule(name, forward, _backward_through_partials, checked_partials, operand_names,
                f'{name}({placeholders})', tuple(f'd{name}/d{operand}' for operand in operand_names))

    def apply(*operands):
        if len(operands) != arity:
            raise TypeError(f'{name}() takes {arity} operand{"s" * (arity != 1)}, got {len(operands)}')
        numbers = [_data_of(x) for x in operands]
        for position, number in enumerate(numbers):
            if number is None:
                raise TypeError(f'{name}() takes Values and real numbers; operand '
                                f'{operand_names[position]!r} is {type(operands[position]).__name__}')
        parents = tuple(x for x in operands if isinstance(x, Value))
        result = float(forward(*numbers))
        if not parents:
            return result
        consts = None
        if len(parents) < arity:
            consts = tuple(None if isinstance(x, Value) else number for x, number in zip(operands, numbers))
        return _node_of(result, rule, parents, consts)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f'The primitive {name!r} (made by autograd.primitive).'
    apply.rule = rule
    return apply


def _positional_names(name, role, function):
    """The names of `function`'s positional parameters; None if Python cannot tell."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        raise TypeError(f'primitive {name!r}: {role} must list its operands, not take *args')
    return tuple(p.name for p in parameters
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)


def _backward_through_partials(out):
    """The backward of a primitive made by `primitive()`: its partials on floats."""
    g = out.grad
    for parent, local in zip(out._prev, local_derivatives(out)):
        parent.grad += local * g


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


def clamp(x, lo=None, hi=None):
    """x limited to [lo, hi] = minimum(maximum(x, lo), hi);  d/dx = 1 for
    lo <= x <= hi (the bounds included, as PyTorch), else 0. Either bound may be None."""
    for bound_name, bound in (('lo', lo), ('hi', hi)):
        if bound is not None and _as_number(bound) is None:
            raise TypeError(f'clamp: {bound_name} must be a real number or None, got {bound!r}')
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f'clamp: lo={lo!r} is greater than hi={hi!r}')
    if lo is not None:
        x = maximum(x, lo)
    if hi is not None:
        x = minimum(x, hi)
    return x


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
Value.__abs__ = absolute
Value.exp = exp
Value.log = log
Value.tanh = tanh
Value.sigmoid = sigmoid
Value.relu = relu
Value.sin = sin
Value.cos = cos
Value.sqrt = sqrt
Value.leaky_relu = leaky_relu
Value.softplus = softplus
Value.clamp = clamp

# The functions of Values (and floats) by name: the draw command's
# vocabulary, and what `autograd` exports.
FUNCTIONS = {
    'exp': exp, 'log': log, 'tanh': tanh, 'sigmoid': sigmoid, 'relu': relu, 'sin': sin, 'cos': cos,
    'sqrt': sqrt, 'abs': absolute, 'leaky_relu': leaky_relu, 'softplus': softplus, 'clamp': clamp,
    'maximum': maximum, 'minimum': minimum, 'max': maximum, 'min': minimum,
}

# Every built-in rule, for tests and tools that go through all of them.
RULES = (ADD, ADD_CONST, MUL, MUL_CONST, DIV, DIV_CONST, RDIV_CONST, POW, POW_CONST, RPOW_CONST,
         EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT, ABS, LEAKY_RELU, SOFTPLUS, MAX, MIN)
