"""Finding where a nan or an infinity first appears: `detect_anomaly()`.

Every operation gives the IEEE 754 result (see engine.py), so a nan made
deep inside a computation spreads silently to the loss. Inside

    with detect_anomaly():
        loss = model(x)
        loss.backward()

each new node's result is checked as it is made, and each amount the
backward pass adds to a gradient is checked as it is added. The first nan or
infinity raises `FloatingPointError` naming the operation, its operands, and
the file and line of your code that made the node.

Outside the block nothing of this runs: entering sets the engine's anomaly
watcher (`engine.set_anomaly_watcher`, its documented hook) and exiting
removes it. Operations under `no_grad` are not checked. The switch is
process-wide (unlike `no_grad`), and while it is on every node made is
remembered with its line, so graphs live until the block ends: it is a
debugging tool, not a mode to train in.
"""

import linecache
import math
import os
import sys
import threading

from . import engine

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_lock = threading.Lock()
_depth = 0
_made_at = {}  # node -> (file, line) of the code that made it


class detect_anomaly:
    """Context manager (or decorator): raise `FloatingPointError` at the first
    operation whose result, or whose contribution to a gradient, is nan or infinite."""

    def __enter__(self):
        global _depth
        with _lock:
            if _depth == 0:
                engine.set_anomaly_watcher(_Watcher())
            _depth += 1
        return self

    def __exit__(self, *exc_info):
        global _depth
        with _lock:
            _depth -= 1
            if _depth == 0:
                engine.set_anomaly_watcher(None)
                _made_at.clear()
        return False

    def __call__(self, function):
        def with_anomaly_detection(*args, **kwargs):
            with detect_anomaly():
                return function(*args, **kwargs)

        with_anomaly_detection.__name__ = function.__name__
        with_anomaly_detection.__doc__ = function.__doc__
        return with_anomaly_detection


class _Watcher:
    """What the engine tells `detect_anomaly` (see engine.set_anomaly_watcher)."""

    @staticmethod
    def node_made(out):
        """Remember where `out` was made; raise if its value is nan or infinite."""
        site = _made_at[out] = _user_site()
        if not math.isfinite(out.data):
            expression, _ = out.rule.texts(out, _show_data)
            raise FloatingPointError(f'{expression} gave {out.data!r} at {_where(site)}')

    @staticmethod
    def backward(interior):
        """`Value.backward()`'s loop, checking each contribution to a parent's grad."""
        for node in reversed(interior):
            parents = node.parents
            before = [parent.grad for parent in parents]
            node.rule.backward(node)
            for position, (parent, old) in enumerate(zip(parents, before)):
                if not math.isfinite(parent.grad) and math.isfinite(old):
                    expression, _ = node.rule.texts(node, _show_data)
                    local = engine.local_derivatives(node)[position]
                    raise FloatingPointError(
                        f'backward of {expression} (= {node.data!r}): its contribution to the grad of '
                        f'operand {position + 1} ({_show_data(parent)}) is {parent.grad - old!r}, '
                        f'local derivative {local!r} times out.grad {node.grad!r}; '
                        f'the node was made at {_where(_made_at.get(node))}')


def _show_data(value):
    return f'{value.label}={value.data!r}' if value.label else repr(value.data)


def _user_site():
    """(file, line) of the nearest caller outside the autograd package."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno


def _where(site):
    if site is None:
        return 'an unknown place (the node was made outside detect_anomaly)'
    filename, line = site
    source = linecache.getline(filename, line).strip()
    return f'{filename}:{line}' + (f': {source}' if source else '')
