"""SIGTERM handled as Ctrl-C, so that a command stopped either way cleans up (private).

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt, so `finally` blocks and
context managers run: a run's hidden `.run.new-*` folder is removed, the
playground writes its recording. SIGTERM, what `kill`, `timeout`, systemd
and container runtimes send, ends the process at once by default, skipping
all of that. Inside `sigterm_as_interrupt()` it raises `Terminated`, a
KeyboardInterrupt, so the same cleanup runs. A second SIGTERM while the
first is being handled gets the default action, ending the process: a
cleanup that hangs can still be stopped.
"""

import contextlib
import signal
import threading

EXIT_TERMINATED = 128 + signal.SIGTERM  # the status a shell reports for a process ended by SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread, as KeyboardInterrupt is for Ctrl-C."""


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within the block, SIGTERM raises `Terminated`; the previous handler comes back after.

    Does nothing outside the main thread, where Python cannot set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process
        raise Terminated('terminated')

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
