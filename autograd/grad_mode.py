"""Recording on and off: `no_grad` (per thread) and the anomaly watcher (process-wide).

The engine makes every node through one function (engine.py, `_node`),
which asks `unusual` first: the number of threads inside `no_grad`, plus
one while an anomaly watcher is set. It is 0 nearly always, and then
making a node costs that one lookup to know that it records and tells
nobody. Otherwise the node is a leaf if this thread is inside `no_grad`,
and is shown to the watcher if one is set.
"""

import functools
import threading

unusual = 0
watcher = None
_this_thread = threading.local()  # .depth: how deep this thread is in no_grad blocks
_lock = threading.Lock()


class no_grad:
    """Context manager (or decorator) in which operations build no graph.

    Results are plain leaves: no parents, no rule (for evaluation, e.g. a
    grid of 10,000 points). Nested uses restore the state they found. The
    switch is per thread, as PyTorch's: a thread inside `no_grad` does not
    stop another from recording.
    """

    def __enter__(self):
        global unusual
        depth = getattr(_this_thread, 'depth', 0)
        if depth == 0:
            with _lock:
                unusual += 1
        _this_thread.depth = depth + 1
        return self

    def __exit__(self, *exc_info):
        global unusual
        _this_thread.depth -= 1
        if _this_thread.depth == 0:
            with _lock:
                unusual -= 1
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return without_grad


def is_grad_enabled():
    """False inside `no_grad()` (in this thread)."""
    return getattr(_this_thread, 'depth', 0) == 0


def set_anomaly_watcher(new):
    """The hook of `detect_anomaly()` (autograd/anomaly.py); process-wide.

    While a watcher is set, `watcher.node_made(out)` is called with every
    node recorded (none under `no_grad`), and `watcher.backward(interior)`
    does `Value.backward()`'s loop over the interior nodes, given in
    topological order. None removes it. Returns the watcher it replaces.
    """
    global unusual, watcher
    with _lock:
        previous, watcher = watcher, new
        unusual += (new is not None) - (previous is not None)
    return previous
