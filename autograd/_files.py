"""Writing a user's file: never half-written, never over something that is not a file.

`write_atomically` is the one way the project saves a file (model files,
drawings, plots, the HTML stepper, the playground's recording). The data
goes to a temporary file in the same folder, is flushed to disk, and then
replaces the target with `os.replace`, which is atomic: a reader (or a
crash, or Ctrl-C) sees the old file or the new one, never a mix.

A rename replaces whatever has the target's name, so the target is checked
first (`writable_file`):

- a symbolic link is followed, and the file it points to is replaced (the
  link is kept, as editors do: `best.json -> run3.json` still points to
  run3.json);
- a folder, a device (`/dev/null`), a FIFO or a socket is refused: replacing
  one with a regular file would break whatever uses it (run as root,
  `/dev/null` for every process on the machine);
- a folder that does not exist, or a "folder" that is a file, is named in
  the error, not left to a message about a temporary file.

Commands call `writable_file(path, probe=True)` while parsing their options,
so that a bad output path is a usage error before any work is done.
"""

import errno
import os
import stat


class NotAFileError(OSError):
    """The path names a device, a FIFO or a socket: it is not replaced by a file."""


# What a path can be that is not a regular file, in words for a message.
_KINDS = ((stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
          (stat.S_ISFIFO, 'a FIFO (named pipe)'), (stat.S_ISSOCK, 'a socket'))


def writable_file(path, probe=False):
    """The path to write for `path` (the file it points to, if it is a
    symbolic link), after checking that a regular file may be put there.

    Raises an OSError whose `strerror` says what is wrong, in words for the
    user, and whose `filename` is `path`: IsADirectoryError for a folder (or
    a path ending in a slash), NotAFileError for a device, FIFO or socket,
    FileNotFoundError for an empty path or a missing folder,
    NotADirectoryError when the folder is a file, OSError (ELOOP) for a loop
    of links. With `probe`, also creates and removes a temporary file in the
    folder, the one test of writability that holds for root, read-only mounts
    and full disks alike: PermissionError (or the system's error) if it fails.
    """
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise FileNotFoundError(errno.ENOENT, 'the path is empty: give a file name', path)
    if path.endswith(('/', os.sep)) or os.path.basename(path) in ('.', '..'):
        raise IsADirectoryError(errno.EISDIR, 'that names a folder, not a file', path)
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None  # a new file (perhaps the target of a dangling link)
    except NotADirectoryError:
        raise NotADirectoryError(errno.ENOTDIR, f'{_nearest_file(folder)} is a file, not a folder',
                                 path) from None
    if mode is not None:
        if stat.S_ISLNK(mode):  # realpath stops where links go round in a circle
            raise OSError(errno.ELOOP, 'its symbolic links go round in a loop', path)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, 'it is a folder, not a file', path)
        for is_kind, words in _KINDS:
            if is_kind(mode):
                raise NotAFileError(errno.EINVAL, f'it is {words}, not a regular file; '
                                                  f'refusing to replace it', path)
    elif not os.path.isdir(folder):
        if os.path.lexists(folder):
            raise NotADirectoryError(errno.ENOTDIR, f'{folder} is not a folder', path)
        raise FileNotFoundError(errno.ENOENT, f'the folder {folder} does not exist', path)
    if probe:
        _probe(folder, path)
    return target


def refuse_special(path):
    """Raise NotAFileError if `path` itself (a link is not followed) is a
    device, a FIFO or a socket: for code that moves or replaces it whole."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    for is_kind, words in _KINDS:
        if is_kind(mode):
            raise NotAFileError(errno.EINVAL, f'{os.fspath(path)} is {words}, not a regular file; '
                                              f'refusing to replace it', os.fspath(path))


def write_atomically(path, data):
    """Write `data` (bytes, or str as UTF-8) to `path` atomically; return the path.

    `path` is checked by `writable_file` first (a link is followed, a
    folder, device, FIFO or socket refused). A new file gets the permissions
    a plain `open()` would give it; an existing file keeps its own.
    """
    import tempfile  # only needed when writing; keeps `import autograd` light

    if isinstance(data, str):
        data = data.encode('utf-8')
    given = os.fspath(path)
    target = writable_file(given)
    folder = os.path.dirname(target)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(target) + '.',
                                         suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(target))  # mkstemp makes it private (0600)
        # Checked again just before the rename: something may have taken the
        # name while the data was written (the window is now a few calls wide).
        if writable_file(given) != target:
            raise OSError(errno.EAGAIN, 'it changed while it was being written', given)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(folder)
    return path


def _probe(folder, path):
    import tempfile

    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix='.write-test-', suffix='.tmp')
    except OSError as error:
        raise type(error)(error.errno, f'cannot create a file in the folder {folder} '
                                       f'({error.strerror or error})', path) from None
    os.close(handle)
    os.unlink(probe)


def _nearest_file(folder):
    """The ancestor of `folder` that is a file (for a message): the first
    one that exists, since an existing folder there would have given ENOENT."""
    path = folder
    while path != os.path.dirname(path) and not os.path.lexists(path):
        path = os.path.dirname(path)
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
