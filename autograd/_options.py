"""Reading what a user types as an option: one rule for every command (private).

`python -m nn train`, `gpt` and `playground`, `python -m autograd draw` and
the playground page's settings read numbers with these functions, so that a
text one of them refuses, all of them refuse:

- an integer is ASCII digits with an optional minus sign. int() also takes
  '1_000', ' 5', '+5' and '١٦' (Arabic-Indic digits); here they are
  refused, as is '16.0';
- a number is what float() reads, in ASCII, with no spaces and no
  underscores: '0.05', '.5', '-2', '1e-3'. As an option it must be finite:
  'inf', 'nan' and '1e999' (which float() reads as inf) are refused.

An option's range is checked in the same place and named in the message:
`argument --port: must be an integer from 0 to 65535, got 99999`.

`output_file` is the type of an option naming a file to write: it refuses
at parse time, as a usage error, what `write_atomically` would refuse after
the work (a folder, a device, a FIFO, a missing folder, an unwritable one).
"""

import argparse
import math
import re

_INTEGER = re.compile(r'-?[0-9]+')
_LONGEST = 30  # digits; a longer "integer" is a typo, and int() of a huge text is slow


class OptionError(argparse.ArgumentTypeError, ValueError):
    """A text that is not a valid option value; the message is for the user.

    An argparse type error (so argparse shows it as `argument --x: MESSAGE`)
    and a ValueError (so code outside argparse may catch it as one)."""


def cut(text, limit=40):
    """`text` cut to `limit` characters for a message: '999...'."""
    return text if len(text) <= limit else text[:limit - 3] + '...'


def shown(text, limit=40):
    """`text` quoted for a message, cut to `limit` characters."""
    return repr(cut(text, limit))


def read_int(text):
    """The int written in `text`, by the rule in the module docstring; OptionError if none."""
    if not isinstance(text, str) or len(text) > _LONGEST + 1 or not _INTEGER.fullmatch(text):
        raise OptionError(f'expected an integer, got {shown(str(text))}')
    return int(text)


def read_number(text):
    """The float written in `text`, by the rule in the module docstring; OptionError if none.

    nan and the infinities are read (the caller decides); see `number`."""
    if isinstance(text, str) and text.isascii() and text == text.strip() and '_' not in text:
        try:
            return float(text)
        except ValueError:
            pass
    raise OptionError(f'expected a number, got {shown(str(text))}')


def integer(minimum=None, maximum=None):
    """An argparse type: an int in [minimum, maximum] (either bound may be None)."""
    wanted = _int_range(minimum, maximum)

    def parse(text):
        try:
            value = read_int(text)
        except OptionError:
            raise OptionError(f'expected {wanted}, got {shown(text)}') from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise OptionError(f'must be {wanted}, got {value}')
        return value

    parse.__name__ = wanted  # argparse names the type when it has no message of its own
    return parse


def number(minimum=None, above=None, maximum=None):
    """An argparse type: a finite float with `minimum` <= x, `above` < x, x <= `maximum`."""
    bounds = [f'{relation} {bound:g}' for relation, bound in
              (('>=', minimum), ('>', above), ('<=', maximum)) if bound is not None]
    wanted = 'a finite number' + (' ' + ' and '.join(bounds) if bounds else '')

    def parse(text):
        value = read_number(text)
        broken = (not math.isfinite(value) or (minimum is not None and value < minimum)
                  or (above is not None and value <= above)
                  or (maximum is not None and value > maximum))
        if broken:
            raise OptionError(f'must be {wanted}, got {cut(text)}')
        return value

    parse.__name__ = wanted
    return parse


def output_file(text):
    """An argparse type: a path where a file can be written (see autograd._files.writable_file)."""
    from ._files import writable_file

    try:
        writable_file(text, probe=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OptionError(f'cannot write {shown(text, 300)}: {reason}') from None
    return text


output_file.__name__ = 'file to write'


def _int_range(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f'an integer from {minimum} to {maximum}'
    if minimum == 1:
        return 'a positive integer'
    if minimum is not None:
        return f'an integer >= {minimum}'
    if maximum is not None:
        return f'an integer <= {maximum}'
    return 'an integer'
