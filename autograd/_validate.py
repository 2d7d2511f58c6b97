"""Checking arguments: one policy for the whole project (infrastructure, private).

A wrong kind of argument (a str where an int belongs) raises TypeError, a
right kind with a wrong value (a negative count) raises ValueError, and
every message starts with the name of the function that was called:

    MLP: nin must be a positive int, got str '2'

`bool` is never accepted as a number, though Python counts it as an int:
`moons(n=True)` is a mistake, not one point.
"""

import math
from numbers import Real


def is_real(value):
    """Whether `value` is a real number (int, float, Fraction, numpy float, ...), bools excluded."""
    return isinstance(value, Real) and not isinstance(value, bool)


def check_int(function, name, value, minimum=None, maximum=None):
    """`value` if it is an int in [minimum, maximum] (either bound may be None)."""
    if minimum is not None and maximum is not None:
        wanted = f'an int from {minimum} to {maximum}'
    elif minimum == 1:
        wanted = 'a positive int'
    elif minimum is not None:
        wanted = f'an int >= {minimum}'
    elif maximum is not None:
        wanted = f'an int <= {maximum}'
    else:
        wanted = 'an int'
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'{function}: {name} must be {wanted}, got {_kind(value)}')
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f'{function}: {name} must be {wanted}, got {value!r}')
    return value


def check_real(function, name, value, *, minimum=None, above=None, below=None, finite=True):
    """`value` as a float if it is a real number within the bounds given:
    `minimum` <= value, `above` < value, value < `below`. NaN is refused;
    so are infinities, unless `finite=False`. The message names the bound
    that was broken."""
    if not is_real(value):
        raise TypeError(f'{function}: {name} must be a number, got {_kind(value)}')
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        wanted = 'a finite number' if finite else 'a number'
        raise ValueError(f'{function}: {name} must be {wanted}, got {value!r}')
    for broken, relation, bound in ((minimum is not None and value < minimum, '>=', minimum),
                                    (above is not None and value <= above, '>', above),
                                    (below is not None and value >= below, '<', below)):
        if broken:
            raise ValueError(f'{function}: {name} must be {relation} {bound:g}, got {value!r}')
    return value


def check_choice(function, name, value, choices):
    """`value` if it is one of `choices` (a sequence or the keys of a dict)."""
    try:
        known = value in choices
    except TypeError:  # unhashable, so certainly not a dict key
        known = False
    if not known:
        raise ValueError(f'{function}: unknown {name} {value!r}; choose one of '
                         f'{", ".join(map(repr, choices))}')
    return value


def check_list(function, name, value, of=''):
    """`value` as a list if it is an iterable other than a str or bytes; `of`
    ends the message ('of numbers')."""
    if isinstance(value, (str, bytes)) or not hasattr(value, '__iter__'):
        wanted = f'a list {of}' if of else 'a list'
        raise TypeError(f'{function}: {name} must be {wanted}, got {_kind(value)}')
    return list(value)


def _kind(value):
    """The type and a short repr, for a message: "str '2'"."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + '...'
    return f'{type(value).__name__} {text}'
