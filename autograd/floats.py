"""IEEE 754 arithmetic on Python floats: the answers Python refuses to give.

Python raises where IEEE 754 has an answer (`1.0 / 0.0`, `math.log(0.0)`,
`math.exp(1000.0)`) and gives a complex number for `(-8.0) ** (1/3)`. The
engine promises IEEE results instead, as float arithmetic in C and PyTorch
give them: nan out of a domain, an infinity at a pole or past the float
range, never an exception. These functions are the primitives' forward
functions on floats (engine.py) and what their derivatives are made of.
"""

import math
from numbers import Real


def as_float(x):
    """`x` as a float if it is a real number (bools excluded), else None."""
    kind = type(x)
    if kind is float:
        return x
    if kind is not int and (kind is bool or not isinstance(x, Real) or isinstance(x, bool)):
        return None
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f'a number with {len(str(abs(int(x))))} digits is too large for a float') from None


def operand(x, function_name):
    """A real number given to `function_name()` as a float; TypeError otherwise."""
    number = as_float(x)
    if number is None:
        raise TypeError(f'{function_name}() takes a Value or a real number, got {type(x).__name__}: {x!r}')
    return number


def divide(x, y):
    """x / y, with IEEE's answer where Python raises: x / 0 is an infinity
    signed by x and the zero's sign, 0 / 0 is nan."""
    if y:
        return x / y
    if x != x or x == 0.0:
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, y)


def power(base, exponent):
    """base ** exponent: nan for a negative base and a fractional exponent
    (Python would make a complex number), an infinity for zero to a negative
    power and past the float range."""
    try:
        result = base**exponent
    except ZeroDivisionError:  # 0 ** negative: signed like the zero for odd integer exponents
        return math.copysign(math.inf, base) if exponent % 2.0 == 1.0 else math.inf
    except OverflowError:
        if base < 0.0 and not exponent.is_integer():
            return math.nan
        return -math.inf if base < 0.0 and exponent % 2.0 == 1.0 else math.inf
    return math.nan if type(result) is complex else result


def power_slope(base, exponent):
    """d/dx x**c at x = base, c = exponent: c * x**(c-1), except that x**0 is
    the constant 1 (slope 0, also at x = 0 where the formula gives 0 * inf).
    At x = 0 the slope is 0 for c > 1, 1 for c == 1 and infinite for c < 1."""
    if exponent == 0.0:
        return 0.0
    return exponent * power(base, exponent - 1.0)


def exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def log(x):
    if x > 0.0 or x != x:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def sigmoid(x):
    # Only ever exponentiates a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def relu(x):
    return 0.0 if x <= 0.0 else x  # nan stays nan


def leaky_relu(x, slope):
    return x if x > 0.0 else slope * x


def softplus(x):
    """log(1 + exp(x)) as max(x, 0) + log1p(exp(-|x|)): no overflow at x = 1000,
    full precision where the result is tiny."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def sin(x):
    return math.sin(x) if math.isfinite(x) else math.nan


def cos(x):
    return math.cos(x) if math.isfinite(x) else math.nan


def sqrt(x):
    return math.sqrt(x) if x >= 0.0 else math.nan


def heaviside(x):
    """The Heaviside step: 1.0 for x > 0, else 0.0 (nan gives 0.0)."""
    return 1.0 if x > 0.0 else 0.0


def sign(x):
    """-1.0, 0.0 or 1.0 (0.0 for nan)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def chosen(numbers, larger):
    """Position of the number max (larger=True) or min picks: the first nan
    (IEEE's maximum propagates nan), else the first one no later one beats."""
    found = 0
    for position, x in enumerate(numbers):
        if x != x:
            return position
        if (x > numbers[found]) if larger else (x < numbers[found]):
            found = position
    return found


def largest(*numbers):
    return numbers[chosen(numbers, True)]


def smallest(*numbers):
    return numbers[chosen(numbers, False)]


def source_text(x):
    """A float as Python source would write it: 2 for 2.0, 0.5, 1e-08, inf."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
