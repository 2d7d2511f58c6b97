"""`python -m autograd draw EXPRESSION NAME=VALUE ... -o graph.svg`: a quick look.

    python -m autograd draw "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg
    python -m autograd draw "x*x + 3*x" x=2 --steps steps.html

The expression is parsed with `ast` and evaluated by walking the tree, never
with eval: only numbers, the names given, + - * / **, unary minus and calls
of the engine's functions (engine.FUNCTIONS, and abs, max, min as names for
engine's absolute, maximum, minimum; `--help` lists them) are allowed.
An expression whose value or gradient is not finite (log(0), 1/(x-x)) is
refused, naming the first operation that made a nan or an infinity.
Anything else is refused with a one-line message and exit status 2; other
failures (a missing Graphviz, a file that cannot be written) exit with 1,
Ctrl-C with 130. The same convention as `python -m nn`: every error is one
line on stderr, `autograd: error: MESSAGE`, never a traceback, and usage
errors (argparse's own included) go through `UsageError`.
"""

import argparse
import ast
import keyword
import math
import os
import sys
import threading
import time

from . import engine
from .engine import Value
from .graph import topo_order
from ._files import write_atomically
from ._options import integer, number, output_file, read_number
from ._signals import EXIT_TERMINATED, Terminated, sigterm_as_interrupt

# The engine's functions of Values by name, and the builtins' names for three of them.
FUNCTIONS = {**engine.FUNCTIONS, 'abs': engine.absolute, 'max': engine.maximum, 'min': engine.minimum}

_OPTIONS = ('slope', 'lo', 'hi')  # keyword arguments of leaky_relu and clamp

FORMATS = ('svg', 'png', 'pdf', 'dot')

_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}

_OPERATOR_NAMES = {
    ast.FloorDiv: '//', ast.Mod: '%', ast.MatMult: '@', ast.LShift: '<<', ast.RShift: '>>',
    ast.BitOr: '|', ast.BitXor: '^', ast.BitAnd: '&', ast.Invert: '~', ast.Not: 'not',
}


class UsageError(Exception):
    """Bad input: the message is shown as is, on one line."""


def parse_assignments(texts):
    """['x=2', 'w=-3'] -> {'x': 2.0, 'w': -3.0}, refusing anything else."""
    values = {}
    for text in texts:
        name, equals, number = text.partition('=')
        name, number = name.strip(), number.strip()
        if not equals:
            raise UsageError(f'expected NAME=VALUE, got {text!r}')
        if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
            raise UsageError(f'{name!r} in {text!r} is not a valid variable name')
        if name in FUNCTIONS:
            raise UsageError(f'{name!r} is the name of a function; pick another variable name')
        if name in values:
            raise UsageError(f'{name!r} is given twice')
        try:
            value = read_number(number)  # the rule of every option: ASCII, no '_'
        except ValueError:
            raise UsageError(f'the value of {name!r} must be a number, got {number!r}') from None
        if not math.isfinite(value):
            raise UsageError(f'the value of {name!r} must be a finite number, got {number!r}')
        values[name] = value
    return values


def evaluate(expression, values):
    """The Value of `expression`, with each name a leaf Value labelled by its name.

    Walks the `ast` tree and allows only the nodes listed in the module
    docstring; the first other node stops evaluation with a UsageError.
    """
    if len(expression) > 10_000:
        raise UsageError('the expression is longer than 10,000 characters')
    try:
        tree = ast.parse(expression.strip(), mode='eval')
    except SyntaxError as error:
        raise UsageError(f'the expression is not valid: {error.msg}') from None
    except (RecursionError, MemoryError, ValueError):
        raise UsageError('the expression is too deeply nested or malformed') from None
    leaves = {name: Value(number, label=name) for name, number in values.items()}
    try:
        result = _evaluate(tree.body, leaves)
    except RecursionError:
        raise UsageError('the expression is too deeply nested') from None
    except OverflowError:
        raise UsageError('cannot evaluate the expression: a number got too large for a float') from None
    except (ZeroDivisionError, ValueError) as error:
        raise UsageError(f'cannot evaluate the expression: {error}') from None
    if not isinstance(result, Value):
        raise UsageError('the expression uses no variable: give one, e.g. "x*x" x=3')
    return result


def _evaluate(node, leaves):
    kind = type(node)
    if kind is ast.Constant:
        if type(node.value) not in (int, float):
            raise UsageError(f'only numbers are allowed as constants, not {node.value!r}')
        return float(node.value)  # floats, so 9**9**9 overflows instead of computing for ever
    if kind is ast.Name:
        if node.id in leaves:
            return leaves[node.id]
        if node.id in FUNCTIONS:
            raise UsageError(f'{node.id} is a function: call it, as in {node.id}(x)')
        raise UsageError(f'unknown name {node.id!r}: give its value as {node.id}=NUMBER')
    if kind is ast.BinOp:
        operation = _OPERATORS.get(type(node.op))
        if operation is None:
            raise UsageError(f'the operator {_OPERATOR_NAMES.get(type(node.op), "?")} is not allowed '
                             f'(allowed: + - * / **)')
        left, right = _evaluate(node.left, leaves), _evaluate(node.right, leaves)
        return operation(left, right)
    if kind is ast.UnaryOp:
        if type(node.op) is ast.USub:
            return -_evaluate(node.operand, leaves)
        if type(node.op) is ast.UAdd:
            return _evaluate(node.operand, leaves)
        raise UsageError(f'the operator {_OPERATOR_NAMES.get(type(node.op), "?")} is not allowed '
                         f'(allowed: + - * / **)')
    if kind is ast.Call:
        function = node.func
        if type(function) is not ast.Name or function.id not in FUNCTIONS:
            raise UsageError(f'only calls of {", ".join(FUNCTIONS)} are allowed, '
                             f'not of {ast.unparse(function)!r}')
        if any(type(argument) is ast.Starred for argument in node.args):
            raise UsageError(f'{function.id}(): * arguments are not allowed')
        for option in node.keywords:
            if option.arg not in _OPTIONS:
                raise UsageError(f'{function.id}(): the only keyword arguments are {", ".join(_OPTIONS)}, '
                                 f'as in clamp(x, hi=1) or leaky_relu(x, slope=0.1)')
        arguments = [_evaluate(argument, leaves) for argument in node.args]
        options = {keyword.arg: _evaluate(keyword.value, leaves) for keyword in node.keywords}
        try:
            return FUNCTIONS[function.id](*arguments, **options)
        except TypeError as error:  # wrong number or kind of arguments, in the engine's words
            raise UsageError(f'{function.id}(): {error}') from None
    if kind is ast.Attribute:
        raise UsageError(f'attribute access ({ast.unparse(node)!r}) is not allowed')
    raise UsageError(f'{_describe(node)} is not allowed; use numbers, the given names, '
                     f'+ - * / ** and {", ".join(FUNCTIONS)}')


def _describe(node):
    names = {ast.Lambda: 'lambda', ast.List: 'a list', ast.Tuple: 'a tuple', ast.Dict: 'a dict',
             ast.Set: 'a set', ast.Subscript: 'indexing', ast.Compare: 'a comparison',
             ast.BoolOp: 'and/or', ast.IfExp: 'if/else', ast.JoinedStr: 'an f-string',
             ast.ListComp: 'a comprehension', ast.GeneratorExp: 'a generator',
             ast.NamedExpr: ':=', ast.Await: 'await', ast.Yield: 'yield'}
    return names.get(type(node), f'{type(node).__name__} syntax')


class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line (no usage block) and exit status 2."""

    def error(self, message):
        raise UsageError(message)


def _parser():
    parser = _Parser(prog='python -m autograd', description='Quick looks at computation graphs.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND', parser_class=_Parser)
    draw = commands.add_parser(
        'draw', help='draw the graph of an expression after backward',
        description='Evaluate EXPRESSION with the given NAME=VALUE inputs, run backward and '
                    'write the drawing (-o) or a step-by-step HTML page (--steps).',
        epilog='example: python -m autograd draw "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg')
    draw.add_argument('expression', help='e.g. "tanh(x*w + b)"; allowed: numbers, the names '
                                         f'given, + - * / ** and calls of {", ".join(sorted(FUNCTIONS))} '
                                         f'(keywords: {", ".join(_OPTIONS)})')
    draw.add_argument('assignments', nargs='*', metavar='NAME=VALUE', help='an input, e.g. x=2')
    # Output paths and numbers are checked here, before any work (autograd._options).
    draw.add_argument('-o', '--output', type=output_file,
                      help='drawing to write: .svg, .png, .pdf or .dot')
    draw.add_argument('--steps', type=output_file, metavar='HTML',
                      help='write the backward stepper (an HTML file) instead')
    draw.add_argument('--forward', action='store_true', help='with --steps: step through the forward pass')
    draw.add_argument('--predict', action='store_true',
                      help='with --steps: each step first asks for its local derivatives and grads, and grades them')
    draw.add_argument('--rankdir', default='LR', choices=('LR', 'TB', 'RL', 'BT'), help='layout direction')
    draw.add_argument('--color-grads', action='store_true', help='colour values by their gradient')
    draw.add_argument('--max-nodes', type=integer(minimum=1), default=400,
                      help='refuse larger drawings (default 400)')
    draw.add_argument('--timeout', type=number(above=0.0), default=60.0, metavar='SECONDS',
                      help='stop Graphviz after this long (default 60)')
    return parser


def _output_format(path):
    suffix = path.rsplit('.', 1)[-1].lower() if '.' in path else ''
    if suffix == 'gv':
        suffix = 'dot'
    if suffix not in FORMATS:
        raise UsageError(f'cannot tell the format of {path!r}: end it with .svg, .png, .pdf or .dot')
    return suffix


def draw_command(arguments, written):
    """Run `draw`; `written` gets each path once it is written."""
    from .draw import TooManyNodesError, draw_dot, render
    from .stepper import save_steps_html

    root = evaluate(arguments.expression, parse_assignments(arguments.assignments))
    if not arguments.output and not arguments.steps:
        raise UsageError('say where to write: -o graph.svg (or .png .pdf .dot) or --steps steps.html')
    if arguments.forward and not arguments.steps:
        raise UsageError('--forward goes with --steps')
    if arguments.predict and (arguments.forward or not arguments.steps):
        raise UsageError('--predict goes with --steps, backward (it asks about the backward pass)')
    output_format = _output_format(arguments.output) if arguments.output else None
    if arguments.output and arguments.steps and _same_file(arguments.output, arguments.steps):
        raise UsageError(f'-o and --steps name the same file ({arguments.steps}); give each its own')
    root.backward()
    _refuse_non_finite(root)
    options = {'rankdir': arguments.rankdir, 'max_nodes': arguments.max_nodes}
    try:
        if arguments.output:
            drawing = draw_dot(root, color_grads=arguments.color_grads, **options)
            if output_format == 'dot':
                data = drawing.source.encode('utf-8')
            else:
                with _progress('laying out the graph with Graphviz'):
                    data = render(drawing, output_format, timeout=arguments.timeout)
            _write(arguments.output, write_atomically, arguments.output, data)
            written.append(arguments.output)
            print(f'wrote {arguments.output}')
        if arguments.steps:
            direction = 'forward' if arguments.forward else 'backward'
            with _progress(f'making the {direction} steps page'):
                _write(arguments.steps, save_steps_html, root, arguments.steps, direction=direction,
                       timeout=arguments.timeout, predict=arguments.predict, **options)
            written.append(arguments.steps)
            print(f'wrote {arguments.steps}')
    except TooManyNodesError as error:
        raise UsageError(
            f'the graph has {error.count} nodes to draw ({error.parts}), more than --max-nodes '
            f'{error.max_nodes}: draw a smaller expression, or raise the limit with --max-nodes '
            f'{error.count} (1,600 nodes draw in about a second, but are hard to read)') from None


def _same_file(first, second):
    if os.path.exists(first) and os.path.exists(second):
        return os.path.samefile(first, second)
    return os.path.realpath(first) == os.path.realpath(second)


class _progress:
    """On a terminal, 'autograd: <what>... 3 s' on stderr while the work lasts
    longer than a second, erased when it ends; elsewhere nothing."""

    def __init__(self, what):
        self.what = what
        self.done = threading.Event()
        self.thread = None

    def __enter__(self):
        if sys.stderr.isatty():
            self.thread = threading.Thread(target=self._tick, daemon=True)
            self.thread.start()
        return self

    def _tick(self):
        started = time.monotonic()
        shown = False
        while not self.done.wait(1.0):
            shown = True
            sys.stderr.write(f'\rautograd: {self.what}... {time.monotonic() - started:.0f} s ')
            sys.stderr.flush()
        if shown:
            sys.stderr.write('\r\033[K')
            sys.stderr.flush()

    def __exit__(self, *exception):
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        return False


def _refuse_non_finite(root):
    """A UsageError naming the first node (parents first) whose data, else whose grad, is nan or infinite."""
    order = topo_order(root)
    for what, attribute in (('value', 'data'), ('gradient', 'grad')):
        for node in order:
            number = getattr(node, attribute)
            if not math.isfinite(number):
                place = node.label or (node.rule.texts(node, lambda v: v.label or repr(v.data))[0]
                                       if node.rule else repr(node.data))
                raise UsageError(f'the {what} of {place} is {number!r}: nothing to draw '
                                 f'(the engine gives IEEE results: nan out of a domain, inf at a pole)')


def _write(path, writer, *arguments, **options):
    """Call writer; an OSError names the file we meant, not the temporary one."""
    try:
        writer(*arguments, **options)
    except OSError as error:
        raise OSError(f'cannot write {path}: {error.strerror or error}') from None


def main(argv=None):
    """Run the command line; returns the exit status."""
    from .draw import DrawingError, DrawingTimeout, GraphvizNotFoundError

    written = []
    try:
        with sigterm_as_interrupt():  # SIGTERM cleans up as Ctrl-C does: no temporary file left
            arguments = _parser().parse_args(argv)
            if arguments.command != 'draw':
                raise UsageError('give a command: draw (python -m autograd draw --help)')
            draw_command(arguments, written)
    except KeyboardInterrupt as stop:
        done = f'wrote {", ".join(written)} only' if written else 'nothing was written'
        terminated = isinstance(stop, Terminated)
        _fail(f'{"terminated" if terminated else "interrupted"}; {done}')
        return EXIT_TERMINATED if terminated else 130
    except DrawingTimeout as error:
        _fail(f'{error}; nothing was written. Draw a smaller expression, lower --max-nodes, '
              f'or allow longer with --timeout {4 * error.seconds:g}')
        return 1
    except DrawingError as error:
        _fail(f'{error}; nothing was written')
        return 1
    except UsageError as error:
        _fail(error)
        return 2
    except GraphvizNotFoundError as error:
        _fail(f'{error} (an output ending in .dot needs no Graphviz)')
        return 1
    except OSError as error:
        _fail(error)
        return 1
    except Exception as error:  # a bug: still one line, never a traceback
        _fail(f'internal error ({type(error).__name__}): {error}')
        return 1
    return 0


def _fail(message):
    text = ' '.join(str(message).split())  # one line, whatever the message held
    print(f'autograd: error: {text}', file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
