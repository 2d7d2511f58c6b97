"""autograd._files.write_atomically: the old file or the new one, never half."""

import os
import shutil
import stat
import tempfile

import pytest

import nn
from autograd._files import NotAFileError, writable_file, write_atomically
from nn import MLP
from special_files import MAKERS, NULL_DEVICE, WORDS, kind, special


def test_writes_bytes_and_text(tmp_path):
    write_atomically(tmp_path / 'a.bin', b'\x00\x01')
    write_atomically(tmp_path / 'b.txt', 'gradient \u2207')
    assert (tmp_path / 'a.bin').read_bytes() == b'\x00\x01'
    assert (tmp_path / 'b.txt').read_text(encoding='utf-8') == 'gradient \u2207'
    assert sorted(os.listdir(tmp_path)) == ['a.bin', 'b.txt']  # no temporary left


def test_new_file_gets_plain_open_permissions_and_old_file_keeps_its_own(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / 'new', b'x')
        assert stat.S_IMODE(os.stat(tmp_path / 'new').st_mode) == 0o644
        kept = tmp_path / 'kept'
        kept.write_bytes(b'old')
        os.chmod(kept, 0o600)
        write_atomically(kept, b'new')
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
        assert kept.read_bytes() == b'new'
    finally:
        os.umask(umask)


@pytest.mark.parametrize('failing', ['fsync', 'replace'])
def test_a_failure_leaves_the_old_file_intact_and_no_temporary(tmp_path, monkeypatch, failing):
    target = tmp_path / 'model.json'
    target.write_text('old contents')

    def broken(*args, **kwargs):
        raise OSError(f'simulated {failing} failure')

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(OSError, match='simulated'):
        write_atomically(target, 'new contents')
    monkeypatch.undo()
    assert target.read_text() == 'old contents'
    assert os.listdir(tmp_path) == ['model.json']


# --------------------------------------------------------------------------
# Only regular files are written: a device, FIFO, socket or folder is refused
# before anything is written, and left as it was; a link is written through.


@pytest.mark.parametrize('name', sorted(MAKERS))
def test_a_device_fifo_or_socket_is_refused_and_left_alone(tmp_path, name):
    path = special(name, tmp_path)
    before = kind(path)
    with pytest.raises(NotAFileError, match=f'it is an? {WORDS[name]}.*refusing to replace it'):
        write_atomically(path, b'data')
    with pytest.raises(NotAFileError):
        writable_file(path, probe=True)
    assert kind(path) == before
    assert os.listdir(tmp_path) == [os.path.basename(path)]  # no temporary left


@pytest.mark.parametrize('name', sorted(MAKERS))
def test_a_link_to_a_device_fifo_or_socket_is_refused_and_both_are_kept(tmp_path, name):
    target = special(name, tmp_path)
    link = tmp_path / 'link'
    link.symlink_to(target)
    with pytest.raises(NotAFileError):
        write_atomically(link, b'data')
    assert kind(link) == ('link', target) and kind(target)[0] == name


def test_nn_save_over_a_device_leaves_the_device(tmp_path):
    device = special('device', tmp_path)
    with pytest.raises(OSError, match=f'cannot save {device}: it is a character device'):
        nn.save(MLP(2, [1], seed=0), device)
    assert kind(device) == ('device', NULL_DEVICE)


@pytest.mark.parametrize('make, error, words', [
    (lambda folder: folder / 'sub', IsADirectoryError, 'it is a folder'),
    (lambda folder: str(folder / 'new') + os.sep, IsADirectoryError, 'names a folder'),
    (lambda folder: folder / 'new' / '..', IsADirectoryError, 'names a folder'),
    (lambda folder: '', FileNotFoundError, 'the path is empty'),
    (lambda folder: folder / 'missing' / 'out.json', FileNotFoundError, 'missing does not exist'),
    (lambda folder: folder / 'plain.txt' / 'out.json', NotADirectoryError,
     'plain.txt is a file, not a folder'),
    (lambda folder: folder / 'plain.txt' / 'deeper' / 'out.json', NotADirectoryError,
     'plain.txt is a file, not a folder'),
    (lambda folder: folder / 'loop', OSError, 'go round in a loop'),
])
def test_paths_that_cannot_be_a_file_are_refused_with_words(tmp_path, make, error, words):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'plain.txt').write_text('keep me')
    os.symlink('loop2', tmp_path / 'loop')
    os.symlink('loop', tmp_path / 'loop2')
    path = make(tmp_path)
    before = {name: kind(tmp_path / name) for name in os.listdir(tmp_path)}
    with pytest.raises(error, match=words):
        write_atomically(path, b'data')
    with pytest.raises(error, match=words):
        nn.save(MLP(2, [1], seed=0), path)
    assert {name: kind(tmp_path / name) for name in os.listdir(tmp_path)} == before


def test_a_link_is_written_through_and_kept(tmp_path):
    (tmp_path / 'real').mkdir()
    target = tmp_path / 'real' / 'drawing.svg'
    target.write_text('old')
    link = tmp_path / 'drawing.svg'
    link.symlink_to(os.path.join('real', 'drawing.svg'))
    chain = tmp_path / 'latest.svg'
    chain.symlink_to('drawing.svg')  # a link to a link
    write_atomically(chain, 'new')
    assert kind(chain) == ('link', 'drawing.svg') and kind(link) == ('link', 'real/drawing.svg')
    assert target.read_text() == 'new'
    assert sorted(os.listdir(tmp_path / 'real')) == ['drawing.svg']


def test_something_that_takes_the_name_while_writing_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / 'model.json'
    real_fsync = os.fsync

    def fsync_then_a_fifo_appears(descriptor):
        real_fsync(descriptor)
        if not os.path.lexists(path):
            os.mkfifo(path)

    monkeypatch.setattr(os, 'fsync', fsync_then_a_fifo_appears)
    with pytest.raises(NotAFileError):
        write_atomically(path, 'data')
    assert kind(path) == ('fifo',) and os.listdir(tmp_path) == ['model.json']


def test_probe_finds_a_folder_that_cannot_be_written(tmp_path):
    folder = tempfile.mkdtemp(prefix='readonly-')  # under /tmp, so the user nobody can reach it
    path = os.path.join(folder, 'model.json')
    try:
        os.chmod(folder, 0o555)
        assert _probe_as_a_user(path) == f'cannot create a file in the folder {folder} (Permission denied)'
        assert os.listdir(folder) == []
        assert writable_file(tmp_path / 'model.json', probe=True) == str(tmp_path / 'model.json')
        assert os.listdir(tmp_path) == []  # the probe leaves nothing
    finally:
        os.chmod(folder, 0o700)
        shutil.rmtree(folder)


def _probe_as_a_user(path):
    """writable_file(path, probe=True)'s PermissionError message, from a forked
    child that runs as the user nobody if this process is root (root may
    write anywhere); None if it raised nothing."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report through the pipe, never return into pytest
        try:
            os.close(reader)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            try:
                writable_file(path, probe=True)
                message = 'None'
            except PermissionError as error:
                message = error.strerror
            os.write(writer, message.encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        message = pipe.read()
    os.waitpid(child, 0)
    return None if message == 'None' else message
