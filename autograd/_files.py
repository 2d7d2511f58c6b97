"""Writing a file so that it is never seen half-written.

The data goes to a temporary file in the same folder, is flushed to disk,
and then replaces the target with `os.replace`, which is atomic: a reader
(or a crash, or Ctrl-C) sees the old file or the new one, never a mix.
Used for everything the project saves: model files, drawings, plots, the
HTML stepper.
"""

import os


def write_atomically(path, data):
    """Write `data` (bytes, or str as UTF-8) to `path` atomically; return the path.

    A new file gets the permissions a plain `open()` would give it; an
    existing file keeps its own.
    """
    import tempfile  # only needed when writing; keeps `import autograd` light

    if isinstance(data, str):
        data = data.encode('utf-8')
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(path) + '.',
                                         suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(path))  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(folder)
    return path


def _mode_for(path):
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder):
    # Make the rename itself durable; not every system lets a folder be opened.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
