"""autograd._files.write_atomically: the old file or the new one, never half."""

import os
import stat

import pytest

from autograd._files import write_atomically


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
