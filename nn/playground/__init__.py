"""The playground: watch a network learn, live.

    >>> pg = Playground()              # two moons, MLP(2, [16, 16, 1]), hinge loss, Adam 0.05
    >>> loss = pg.step(10)             # ten training steps; the loss of the last one
    >>> pg.state()['step']
    10

In Jupyter a `Playground` shows itself as a live widget; `python -m nn
playground` serves the same front end (nn/web/playground.js) to a
browser; `save_html(path)` writes the recorded frames of a run as one page
that opens from disk.

One job per module:

* session.py: `Playground` (the run: settings, model, training steps) and
  `Session` (the run driven by commands from a front end); no I/O;
* settings.py: the settings' names, defaults, limits and checks
  (`check_settings`, `SettingsError`) and the menus' choices;
* touch.py: the checks behind touching the run (points added and removed
  by hand, a weight set by hand, test points, a page's address);
* view.py: what the panels show (`state()`'s parts: the boundary, the
  hidden layers' statistics, the parameter table, one point's graph and
  its layout);
* pages.py: the pages and the web files; server.py: the local HTTP server;
  widget.py: the Jupyter widget.

Front end and Python talk through two JSON shapes, the same in the widget
and over HTTP:

* a command, page -> Python: `{"action": "play" | "pause" | "step" |
  "reset" | "select" | "configure" | "graph" | "focus" | "add_point" |
  "remove_point" | "reset_data" | "set_parameter" | "open", ...}` with
  `"index": i` for select and remove_point, `"settings": {name: value}` for
  configure and open (a page's address: each setting checked alone, a bad
  one reported and ignored), `"full": bool` for graph, `"neuron": [layer,
  index]` or null for focus (the network view), `"x", "y", "label"` for
  add_point, `"name", "value"` for set_parameter;
* a reply, Python -> page: `{"ok": true}` or `{"ok": false, "error": text}`,
  and the state (`Playground.state()` plus `"running"`) whenever it changes.

A page starts from `{"mode", "palette", "choices"}` (the widget's traits,
or a JSON object in the page): the menus' choices come from Python.
Python never evaluates what the page sends: every setting is checked
against a fixed list of names, types and ranges (`check_settings`).
"""

from .server import LOOPBACK, MAX_REQUEST_BYTES, make_server, serve
from .session import ACTIONS, L2, MAX_FRAMES, PUBLISH_RATE, Playground, Session
from .settings import (ACTIVATIONS, DEFAULTS, MAX_L2, MAX_LAYERS, MAX_LR, MAX_NEURONS, MAX_NOISE, MAX_PARAMETERS,
                       MAX_POINTS, MAX_STEP_COST, MAX_TEST_FRACTION, Settings, SettingsError, check_settings, choices)
from .view import GRID, MAX_CURVE_POINTS

__all__ = ['Playground', 'Session', 'Settings', 'SettingsError', 'check_settings', 'choices', 'DEFAULTS',
           'make_server', 'serve', 'ACTIONS', 'ACTIVATIONS', 'GRID', 'L2', 'LOOPBACK', 'MAX_CURVE_POINTS',
           'MAX_FRAMES', 'MAX_L2', 'MAX_LAYERS', 'MAX_TEST_FRACTION', 'MAX_LR', 'MAX_NEURONS', 'MAX_NOISE',
           'MAX_PARAMETERS', 'MAX_POINTS', 'MAX_STEP_COST',
           'MAX_REQUEST_BYTES', 'PUBLISH_RATE']
