"""Things a path can name that are not regular files, made in a temporary folder.

Never in /dev: the device made here is a private null device (major 1,
minor 3, what /dev/null is) inside the test's own folder, so a writer that
wrongly replaced it would replace only that node.
"""

import os
import socket
import stat

import pytest

NULL_DEVICE = os.makedev(1, 3)


def make_device(path):
    """A character device node at `path` (a null device); skips where the
    system does not let this process make device nodes (no CAP_MKNOD)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, NULL_DEVICE)
    except PermissionError:
        pytest.skip('making a device node needs root (CAP_MKNOD)')
    return path


def make_fifo(path):
    os.mkfifo(path)
    return path


def make_socket(path):
    """A Unix socket file at `path` (the socket is closed; its file stays)."""
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(os.fspath(path))
    return path


MAKERS = {'device': make_device, 'fifo': make_fifo, 'socket': make_socket}
WORDS = {'device': 'character device', 'fifo': 'FIFO', 'socket': 'socket'}


def kind(path):
    """What `path` is, without following a link: ('device', rdev), ('fifo',),
    ('socket',), ('link', target), ('file', bytes), ('folder',), or None."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISCHR(mode):
        return ('device', os.lstat(path).st_rdev)
    if stat.S_ISFIFO(mode):
        return ('fifo',)
    if stat.S_ISSOCK(mode):
        return ('socket',)
    if stat.S_ISLNK(mode):
        return ('link', os.readlink(path))
    if stat.S_ISDIR(mode):
        return ('folder',)
    with open(path, 'rb') as file:
        return ('file', file.read())


def special(name, folder, filename=None):
    """Make the special file `name` ('device', 'fifo' or 'socket') in `folder`,
    called `filename` (default: `name`); return its path.

    A Unix socket's path must be short (about 100 bytes), so a socket's
    default name is short."""
    path = os.path.join(folder, filename or ('s' if name == 'socket' else name))
    return MAKERS[name](path)
