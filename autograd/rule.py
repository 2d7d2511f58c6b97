"""`Rule`: everything about one primitive operation, written once.

A rule holds the operation's forward function on floats, its local
derivatives (`partials`) and its words; the primitives of engine.py are
each one `Rule`. Every tool reads a primitive from its rule: the backward
pass (`backward_from_partials`, or a hand-written fast backward that
tests/rules_table.py checks against `partials`), `explain`, forward mode,
higher-order `grad`, the stepper, the tracer and the drawings. This module
reads nodes through their public API only (`parents`, `rule`, `constant`,
`data`, `grad`); an operand is a Value or, for a number, a float.
"""

from numbers import Real

from . import floats
from .grad_mode import no_grad


class Rule:
    """How one primitive operation computes and differentiates.

    `name`: as drawings show it, `{}` filled with the constant ('*{}': `x * 2` is '*2').
    `forward(*operands)`: the result on floats, IEEE 754 style (autograd/floats.py).
    `partials(out, *operands)`: the local derivatives d(out)/d(operand), one
    per Value operand, in the order of `out.parents`, written with operations
    that work on floats and on Values alike (`+ - * / **` and autograd's
    `exp`, `log`, ...): on floats for the backward pass, `explain`, forward
    mode and the stepper; on the node and its Values to differentiate again.
    `expression`, `derivatives`: the words, with the names in `operands` as
    placeholders ('{a} * {b}'; '{b}', '{a}'), `{out}` for the result and
    `{c1}` for the constant minus one; a built-in's number operand `c`
    (last) has no derivative, and '1' means exactly one. With `operands`
    None (max, min), one derivative text with `{x}` standing for each operand.
    `backward(out)`: adds out.grad times each local derivative into the
    parents' grads: `partials` on floats unless a faster one is given.
    """

    __slots__ = ('name', 'forward', 'partials', 'expression', 'derivatives', 'operands', 'backward')

    def __init__(self, name, forward, partials, expression, derivatives, operands=('a',), backward=None):
        self.name, self.forward, self.partials = name, forward, partials
        self.expression, self.derivatives, self.operands = expression, derivatives, operands
        self.backward = backward or backward_from_partials

    def __repr__(self):
        return f'Rule({self.name!r})'

    def texts(self, node, show):
        """(expression, local derivatives) of `node` in words, one derivative
        per parent. `show(v)` writes a Value: each Value operand, and the node
        itself for `{out}`. Numbers are written as in Python source."""
        operands = arguments(node)
        shown = [floats.source_text(x) if _is_number(x) else show(x) for x in operands]
        if self.operands is None:  # max(a, b, 3)
            return (self.expression.format(args=', '.join(shown)),
                    tuple(self.derivatives.format(x=text, out=show(node))
                          for x, text in zip(operands, shown) if not _is_number(x)))
        fill = dict(zip(self.operands, shown), out=show(node))
        const = node.constant
        if const is not None and type(const) is not tuple:
            fill['c1'] = floats.source_text(const - 1.0)
        return (self.expression.format(**fill),
                tuple(text.format(**fill) for text, x in zip(self.derivatives, operands) if not _is_number(x)))


def _is_number(operand):
    return type(operand) is float  # the engine keeps every number operand as a float


def arguments(node):
    """The operands of the operation that made `node`, in call order: its
    parents with the numbers it was given put back in place."""
    const = node.constant
    if const is None:
        return node.parents
    if type(const) is tuple:
        parents = iter(node.parents)
        return tuple(next(parents) if c is None else c for c in const)
    return (*node.parents, const)


def local_derivatives(node, as_values=False):
    """d(node)/d(parent) for each of `node.parents`, in order; () for a leaf.

    As floats by default. With `as_values=True`, as expressions of the
    graph's own Values (or a plain number where the derivative is constant,
    e.g. 1.0 for `+`), so that a gradient made of them can be differentiated again.
    """
    rule = node.rule
    if rule is None:
        return ()
    operands = arguments(node)
    if as_values:
        found = rule.partials(node, *operands)
    else:
        numbers = [x if _is_number(x) else x.data for x in operands]
        try:
            found = rule.partials(node.data, *numbers)
        except (ZeroDivisionError, OverflowError):
            # Python raised where IEEE 754 has an answer (1 / 0.0): the same
            # formula on fresh leaves (of the node's class), whose operations follow IEEE.
            leaf = type(node)
            with no_grad():
                found = [x if isinstance(x, Real) else x.data
                         for x in rule.partials(leaf(node.data), *map(leaf, numbers))]
    if type(node.constant) is tuple:  # numbers among several operands: keep the Values' entries
        return tuple(d for d, x in zip(found, operands) if not _is_number(x))
    return tuple(found)  # a built-in's one number operand comes last and has no entry


def backward_from_partials(out):
    """The backward of a rule without a hand-written one: for each parent,
    parent.grad += d(out)/d(parent) * out.grad, with `partials` on floats."""
    g = out.grad
    parents = out.parents
    const = out.constant
    if len(parents) == 1 and type(const) is not tuple:  # the common case, written out for speed
        parent = parents[0]
        try:
            if const is None:
                local = out.rule.partials(out.data, parent.data)[0]
            else:
                local = out.rule.partials(out.data, parent.data, const)[0]
        except (ZeroDivisionError, OverflowError):
            local = local_derivatives(out)[0]
        parent.grad += local * g
        return
    for parent, local in zip(parents, local_derivatives(out)):
        parent.grad += local * g
