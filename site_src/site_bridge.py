"""What the site's Web Worker calls: the project's Python behind the three pages.

The worker (site_src/pages/worker.js) runs this module under Pyodide, next
to the project's `autograd` and `nn`, and passes JSON text both ways:

* `playground(command)` runs one playground command (the JSON shape of
  nn.playground's docstring: {"action": "play" | "pause" | "step" | ...})
  and returns the reply {"ok": ..., "error": ...} with the new "state";
  `playground_train()` trains while playing, and returns a state when one
  is due (else null);
* `draw(request)` evaluates an expression with the safe evaluator of
  `python -m autograd draw` (no eval), runs backward and returns the DOT
  source of its graph and of its stepper, with the stepper's frames;
* `console_push(line)` runs a line in an interactive console and returns
  what it printed and whether it waits for more lines.

Nothing here evaluates page input as code except the console, whose whole
point is to run what the learner types, in the learner's own browser.
"""

import code
import io
import json
import sys
import time

# -- the playground

# A state (boundary, graph, parameters) costs several training steps; while
# playing, at most this share of the time goes into making states, and at
# most this many a second (a screen shows no more).
STATE_SHARE = 0.3
MAX_STATES_PER_SECOND = 8
TRAIN_SLICE = 0.05  # seconds of training between looks at the worker's message queue


class PlaygroundDriver:
    """A Playground driven by messages, without threads (a Web Worker has one).

    nn.playground.Session runs commands and keeps the state; playing is a
    loop of short slices (`train`) that the worker calls between messages,
    instead of Session's training thread.
    """

    def __init__(self):
        from nn.playground import Playground, Session

        # The site never saves a recording: no frames (each one a whole state).
        self.playground = Playground(record=False)
        self.session = Session(self.playground)
        self.running = False
        self.state_cost = 0.0
        self.last_state = 0.0

    def handle(self, command):
        action = command.get('action') if isinstance(command, dict) else None
        if action == 'play':
            self.playground.message = None
            self.running = True
            reply = {'ok': True}
        elif action == 'pause':
            self.running = False
            reply = {'ok': True}
        else:
            if action in ('step', 'reset'):
                self.running = False
            reply = self.session.handle(command)
        return {**reply, 'state': self.state()}

    def train(self):
        """Train for about TRAIN_SLICE seconds; a state if one is due, else None."""
        if not self.running:
            return None
        started = time.perf_counter()
        while time.perf_counter() - started < TRAIN_SLICE:
            self.playground.step()
            if self.playground.message:  # diverged: stop, and show why
                self.running = False
                return self.state()
        since = time.perf_counter() - self.last_state
        if since >= max(1 / MAX_STATES_PER_SECOND, self.state_cost * (1 - STATE_SHARE) / STATE_SHARE):
            return self.state()
        return None

    def state(self):
        started = time.perf_counter()
        state = dict(self.session.current())
        state['running'] = self.running
        self.last_state = time.perf_counter()
        self.state_cost = self.last_state - started
        return state


_driver = None


def playground(command_json):
    global _driver
    if _driver is None:
        _driver = PlaygroundDriver()
    return _dumps(_driver.handle(json.loads(command_json)))


def playground_train():
    state = _driver.train() if _driver is not None else None
    return None if state is None else _dumps(state)


# -- the expression drawer and stepper

MAX_NODES = 400  # as `python -m autograd draw --max-nodes`


def draw(request_json):
    """{"expression": text, "values": "x=2 w=-3 ..."} -> {"ok", "error"} or the drawings."""
    from autograd.__main__ import UsageError, _refuse_non_finite, evaluate, parse_assignments
    from autograd.draw import TooManyNodesError, draw_dot
    from autograd.stepper import page_source

    request = json.loads(request_json)
    try:
        expression, values = request.get('expression'), request.get('values')
        if not isinstance(expression, str) or not isinstance(values, str):
            raise UsageError('give an expression and the values of its names')
        root = evaluate(expression, parse_assignments(values.replace(',', ' ').split()))
        root.backward()
        _refuse_non_finite(root)
        graph = draw_dot(root, max_nodes=MAX_NODES).source
        digraph, data = page_source(root, 'backward', max_nodes=MAX_NODES)
        steps = {'dot': digraph.source, 'data': data}
    except UsageError as error:
        return _dumps({'ok': False, 'error': str(error)})
    except TooManyNodesError as error:
        return _dumps({'ok': False, 'error': f'the graph has {error.count} nodes to draw, more than '
                                             f'{MAX_NODES}: draw a smaller expression'})
    grads = {node.label: node.grad for node in _leaves(root)}
    return _dumps({'ok': True, 'graph': graph, 'steps': steps, 'value': root.data, 'grads': grads})


def _leaves(root):
    from autograd.graph import topo_order

    return [node for node in topo_order(root) if not node.parents and node.label]


# -- the console


class _Console(code.InteractiveConsole):
    def __init__(self):
        super().__init__({'__name__': '__console__'}, filename='<console>')
        self.output = io.StringIO()

    def write(self, data):  # tracebacks and syntax errors
        self.output.write(data)


_console = None


def console_push(line):
    """Run one line; {"output": what it printed, "more": whether a block is still open}."""
    global _console
    if _console is None:
        _console = _Console()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _console.output
    try:
        more = _console.push(line)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    output = _console.output.getvalue()
    _console.output = io.StringIO()
    return _dumps({'output': output, 'more': more})


def console_banner():
    return (f'Python {sys.version.split()[0]} in your browser (Pyodide), with this project\'s '
            f'autograd and nn. Try: from autograd import Value')


def _dumps(value):
    return json.dumps(value, allow_nan=False, separators=(',', ':'))
