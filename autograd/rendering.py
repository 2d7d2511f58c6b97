"""Running Graphviz's `dot` on a drawing: `render` refuses anything but a whole drawing.

Kept apart from autograd/draw.py, which decides what a drawing shows;
`autograd.draw` re-exports everything here.
"""

import re


INSTALL_GRAPHVIZ = (
    'the Graphviz program `dot` was not found on PATH; install Graphviz '
    '(apt-get install graphviz, brew install graphviz, conda install graphviz, '
    'or see https://graphviz.org/download/); the DOT text is still available as .source'
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz program `dot`, which is not installed."""

    def __init__(self, message=INSTALL_GRAPHVIZ):
        super().__init__(message)


class DrawingError(RuntimeError):
    """Graphviz's `dot` failed, was killed, or gave an incomplete drawing."""


class DrawingTimeout(DrawingError):
    """Graphviz's `dot` did not finish within the time allowed (`seconds`)."""

    def __init__(self, seconds, nodes):
        self.seconds, self.nodes = seconds, nodes
        super().__init__(f'Graphviz did not lay out the {nodes} nodes within {seconds:g} s')


NODE_STATEMENT = re.compile(r'^\s+(?!graph |node |edge )"?[\w.]+"? \[', re.MULTILINE)


def render(drawing, format='svg', timeout=None):
    """The bytes of `drawing` (a draw_dot result) made by Graphviz's `dot` in
    `format` ('svg', 'png', 'pdf', ...), within `timeout` seconds if given.

    Unlike `drawing.pipe`, this refuses what is not a whole drawing: `dot`
    exiting with an error or killed by a signal raises DrawingError (with the
    first line `dot` wrote on stderr), an SVG missing its end or some node
    raises DrawingError, and running past `timeout` raises DrawingTimeout
    (after stopping `dot`). A missing `dot` raises GraphvizNotFoundError.
    """
    import shutil
    import subprocess

    program = shutil.which('dot')
    if program is None:
        raise GraphvizNotFoundError()
    source = drawing.source
    nodes = len(NODE_STATEMENT.findall(source))
    try:
        # subprocess.run kills `dot` on a timeout and on Ctrl-C alike.
        done = subprocess.run([program, f'-T{format}'], input=source.encode('utf-8'),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DrawingTimeout(timeout, nodes) from None
    problem = done.stderr.decode('utf-8', 'replace').strip().splitlines()
    detail = f': {problem[0]}' if problem else ''
    if done.returncode < 0:
        raise DrawingError(f"Graphviz's dot was killed by signal {-done.returncode}{detail}")
    if done.returncode > 0:
        raise DrawingError(f"Graphviz's dot failed (exit status {done.returncode}){detail}")
    if format == 'svg':
        drawn = done.stdout.count(b'class="node"')
        if not done.stdout.rstrip().endswith(b'</svg>') or drawn != nodes:
            raise DrawingError(f"Graphviz's dot gave an incomplete drawing ({drawn} of {nodes} nodes)")
    elif not done.stdout:
        raise DrawingError("Graphviz's dot gave an empty drawing")
    return done.stdout
