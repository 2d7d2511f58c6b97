"""Running someone else's code with a deadline, in this process (private; used by exercises).

`call_with_time_limit(function, seconds)` runs `function()` in a worker
thread and waits at most `seconds` for it. When time is up it raises
`TimeUp` inside the worker, with CPython's `PyThreadState_SetAsyncExc`, and
then in the caller. `interpreter_state_kept()` puts back the recursion
limit and the trace and profile functions that the code may have changed.

Why a thread rather than the alternatives:

* A trace function (`sys.settrace`) sees only the lines and calls Python
  reports: a one-line `while True: pass` never reports a new line, so it
  was never stopped; and traced code runs several times slower.
* A subprocess could be killed outright, but the learner's class must reach
  it: a class defined in a notebook lives in the kernel's `__main__` and
  cannot be pickled; forking a kernel (which runs threads of its own) is not
  safe and does not exist on Windows, and output printed in a child would
  not reach the notebook.
* `signal.setitimer` works only in the main thread and not on Windows.

An asynchronous exception is delivered where the interpreter checks for
pending work: at every backward jump of a loop and every call, so every
loop written in Python, one line or many, is stopped. What survives a
timeout, and the trade-off taken:

* Code inside one long C call (`sum(range(10**12))`, `10**10**8`) holds the
  interpreter until the call returns; nothing in-process can interrupt it
  (a kernel's interrupt button cannot either).
* Code that catches every exception in a loop (`except:` or
  `except BaseException:`) can ignore the interruption. TimeUp is raised
  again every few milliseconds for GRACE_SECONDS; if the code is still
  running after that, `Unstoppable` is raised and the thread keeps running
  (and using a CPU core) in the background until the process ends: the
  caller says so, and restarting the kernel ends it.
"""

import sys
import threading
import time
from contextlib import contextmanager

GRACE_SECONDS = 1.0  # how long TimeUp is raised again and again before giving up
RETRY_SECONDS = 0.02  # between two raises of TimeUp


class TimeUp(BaseException):
    """Raised inside the code that outlived its time limit, then in the caller.

    A BaseException, so that `except Exception` in the code lets it through."""


class Unstoppable(Exception):
    """The code ignored TimeUp for GRACE_SECONDS; its thread still runs."""


def call_with_time_limit(function, seconds):
    """`function()`'s result (or exception), raising TimeUp if it runs longer
    than `seconds`, or Unstoppable if it cannot be stopped (see the module
    docstring). A KeyboardInterrupt in the caller stops the worker too."""
    outcome, finished = {}, threading.Event()

    def work():
        try:
            try:
                outcome['value'] = function()
            except BaseException as error:  # handed to the caller, who re-raises it
                outcome['error'] = error
        except TimeUp:  # delivered just after function() ended: the outcome already says how
            outcome.setdefault('error', TimeUp())
        finally:
            finished.set()

    worker = threading.Thread(target=work, name='time-limited call', daemon=True)
    worker.start()
    # An Event, not worker.join(): a join interrupted by Ctrl-C marks the
    # thread stopped although it still runs (CPython 3.11's threading).
    try:
        finished.wait(min(seconds, threading.TIMEOUT_MAX))
    except BaseException:  # Ctrl-C while waiting: the learner's code must not go on alone
        _stop(worker, finished)
        raise
    if not finished.is_set() and not _stop(worker, finished):
        raise Unstoppable(f'still running {GRACE_SECONDS:g} s after its time limit')
    if 'error' in outcome:
        error = outcome.pop('error')
        try:
            raise error
        finally:
            del error  # the traceback holds this frame: no reference cycle left behind
    return outcome['value']


def _stop(worker, finished):
    """Raise TimeUp in the worker until it finishes or GRACE_SECONDS pass; whether it finished."""
    import ctypes  # only when code has to be stopped: the engine imports fast

    raise_in = ctypes.pythonapi.PyThreadState_SetAsyncExc
    raise_in.argtypes = (ctypes.c_ulong, ctypes.py_object)
    give_up = time.monotonic() + GRACE_SECONDS
    while not finished.is_set() and time.monotonic() < give_up:
        raise_in(worker.ident, TimeUp)
        finished.wait(RETRY_SECONDS)
    return finished.is_set()


@contextmanager
def interpreter_state_kept():
    """Put back, on leaving, what code run inside may have changed for the
    whole interpreter: the recursion limit, and the trace and profile
    functions of this thread and of threads started later. Each is reset only
    if it changed, so an active debugger or coverage tracer is left alone."""
    limit = sys.getrecursionlimit()
    settings = [(sys.gettrace, sys.settrace), (sys.getprofile, sys.setprofile),
                (threading.gettrace, threading.settrace), (threading.getprofile, threading.setprofile)]
    found = [get() for get, _ in settings]
    try:
        yield
    finally:
        if sys.getrecursionlimit() != limit:
            sys.setrecursionlimit(limit)
        for (get, put), value in zip(settings, found):
            if get() is not value:
                put(value)
