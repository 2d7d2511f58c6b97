"""Your own primitive operation: `primitive(name, forward, partials)`.

A primitive made here is a `Rule` like the built-in ones (engine.py), with
the backward that evaluates `partials` on floats; so `backward()`,
higher-order `grad`, `jvp`, `explain`, the stepper, the drawings and traced
programs handle it with no further code. What `forward` and `partials`
return is checked, so that a mistake in them is an error naming the
primitive, not a silently wrong gradient.
"""

import inspect
import math  # noqa: F401 (the docstring's example)
from numbers import Real

from .engine import Rule, Value, apply_rule
from .floats import as_float


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

    The function made accepts Values and numbers; given only numbers it
    returns `forward`'s float. What `forward` and `partials` return is
    checked: a result that is not a real number (a complex number, None, a
    string, a list), or the wrong number of local derivatives, raises an
    error naming the primitive.
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

    def checked_forward(*numbers):
        result = forward(*numbers)
        number = as_float(result)
        if number is None:
            raise TypeError(f'primitive {name!r}: forward returned {type(result).__name__} {result!r}, '
                            f'not a real number')
        return number

    def checked_partials(out, *operands):
        found = partials(out, *operands)
        try:
            found = tuple(found)
        except TypeError:
            found = (found,)
        if len(found) != arity:
            raise ValueError(f'primitive {name!r}: partials returned {len(found)} local derivatives '
                             f'for {arity} operands ({", ".join(operand_names)})')
        for operand, d in zip(operand_names, found):
            if not isinstance(d, (Value, Real)):
                raise TypeError(f'primitive {name!r}: partials returned {type(d).__name__} {d!r} as '
                                f'd{name}/d{operand}, not a real number')
        return found

    placeholders = ', '.join(f'{{{operand}}}' for operand in operand_names)
    rule = Rule(name, checked_forward, checked_partials, f'{name}({placeholders})',
                tuple(f'd{name}/d{operand}' for operand in operand_names), operand_names)

    def apply(*operands):
        if len(operands) != arity:
            raise TypeError(f'{name}() takes {arity} operand{"s" * (arity != 1)}, got {len(operands)}')
        return apply_rule(rule, operands, name)

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
