"""A run's output files are replaced as one set: a run stopped at any point
leaves the complete old set or the complete new set, and nothing else of the
user's is touched (nn.run_folder.output_folder, and `python -m nn train` using it)."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

import nn
import nn.run_folder
import nn.__main__ as cli
from autograd._files import write_atomically

OUTPUTS = ('model.json', 'decision_boundary.png', 'loss.png', 'graph.svg')
REAL_REPLACE = os.replace


def snapshot(folder):
    """Every entry of `folder`, hidden ones included, with the bytes of each file."""
    found = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder)
            found[relative] = None if os.path.isdir(path) else open(path, 'rb').read()
    return found


def old_set(folder):
    """A folder holding a complete old set, and files and a subfolder of the user's."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (folder / name).write_bytes(f'old {name}'.encode())
    (folder / 'notes.txt').write_text('my notes')
    (folder / 'mine').mkdir()
    (folder / 'mine' / 'data.csv').write_text('1,2\n')
    return snapshot(folder)


class Interrupt:
    """os.replace that raises KeyboardInterrupt on its k-th call moving
    something inside `under`: before the rename is made, or just after it
    (as a real Ctrl-C can land between a call and the next line)."""

    def __init__(self, under, k, after):
        self.under, self.k, self.after = str(under), k, after
        self.calls = 0

    def __call__(self, source, target, **kwargs):
        if not os.fspath(target).startswith(self.under):
            return REAL_REPLACE(source, target, **kwargs)
        self.calls += 1
        if self.calls == self.k and not self.after:
            raise KeyboardInterrupt
        REAL_REPLACE(source, target, **kwargs)
        if self.calls == self.k:
            raise KeyboardInterrupt


def write_new_set(staging, names=OUTPUTS):
    for name in names:
        write_atomically(os.path.join(staging, name), f'new {name}')


def test_output_folder_replaces_the_set_and_keeps_everything_else(tmp_path):
    folder = tmp_path / 'runs' / 'moons'
    before = old_set(folder)
    os.chmod(folder / 'model.json', 0o600)
    with nn.run_folder.output_folder(folder, OUTPUTS) as staging:
        assert os.path.dirname(staging) == str(folder)  # beside the outputs: same file system
        write_new_set(staging, OUTPUTS[:3])  # no graph.svg this time
    after = snapshot(folder)
    assert after == {**{name: f'new {name}'.encode() for name in OUTPUTS[:3]},
                     'notes.txt': b'my notes', 'mine': None, os.path.join('mine', 'data.csv'): b'1,2\n'}
    assert before['graph.svg'] == b'old graph.svg'  # the old set's graph.svg went with it
    assert os.stat(folder / 'model.json').st_mode & 0o777 == 0o600  # the old file's permissions
    assert os.listdir(tmp_path / 'runs') == ['moons']


def interrupt_at_every_rename(tmp_path, monkeypatch, run, after):
    """Run `run(folder)` on a fresh folder holding an old set, interrupted at
    its 1st rename (inside the folder's own parent, where a run may stage
    its files), then its 2nd, and so on, until a run is not interrupted.
    After every interrupted run the parent must hold exactly the old set, or
    the complete new set, and nothing else. Returns how many renames a whole
    run made, and its folder."""
    for k in range(1, 100):
        place = tmp_path / f'k{k}'
        folder = place / 'out'
        old_set(folder)
        before = snapshot(place)
        interrupt = Interrupt(place, k, after(k))
        monkeypatch.setattr(os, 'replace', interrupt)
        try:
            finished = run(folder)
        finally:
            monkeypatch.setattr(os, 'replace', REAL_REPLACE)
        if finished:
            assert interrupt.calls == k - 1
            return k - 1, folder
        if snapshot(place) != before:
            assert_new_set(folder)
            assert os.listdir(place) == ['out'], k
    raise AssertionError('never finished')


def assert_new_set(folder):
    entries = snapshot(folder)
    assert sorted(entries) == sorted([*OUTPUTS, 'notes.txt', 'mine', os.path.join('mine', 'data.csv')])
    assert all(entries[name] != f'old {name}'.encode() for name in OUTPUTS)
    assert entries['notes.txt'] == b'my notes' and entries[os.path.join('mine', 'data.csv')] == b'1,2\n'


@pytest.mark.parametrize('after', [False, True], ids=['before-rename', 'after-rename'])
def test_output_folder_interrupted_at_every_rename(tmp_path, monkeypatch, after):
    def run(folder):
        try:
            with nn.run_folder.output_folder(folder, OUTPUTS) as staging:
                write_new_set(staging)
        except KeyboardInterrupt:
            return False
        return True

    renames, folder = interrupt_at_every_rename(tmp_path, monkeypatch, run, lambda k: after)
    assert renames == 12  # 4 files written, 4 old ones moved aside, 4 new ones moved in
    assert_new_set(folder)


def test_output_folder_first_run_interrupted_leaves_no_folder(tmp_path):
    folder = tmp_path / 'runs' / 'moons'
    with pytest.raises(KeyboardInterrupt):
        with nn.run_folder.output_folder(folder, OUTPUTS) as staging:
            write_new_set(staging, OUTPUTS[:1])
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []  # neither the folder nor runs/, which it made


def test_output_folder_refuses_what_it_would_clobber(tmp_path):
    a_file = tmp_path / 'a-file'
    a_file.write_text('mine')
    with pytest.raises(ValueError, match='is a file, not a folder'):
        with nn.run_folder.output_folder(a_file, OUTPUTS):
            pass
    (tmp_path / 'out' / 'model.json').mkdir(parents=True)
    with pytest.raises(ValueError, match=r'model.json is a folder; .* choose another output folder'):
        with nn.run_folder.output_folder(tmp_path / 'out', OUTPUTS):
            pass
    assert sorted(snapshot(tmp_path)) == ['a-file', 'out', os.path.join('out', 'model.json')]


# --------------------------------------------------------------------------
# python -m nn train


TRAIN = ['train', '--n', '12', '--hidden', '3', '--steps', '2', '--no-progress']


def fast_writers(monkeypatch):
    """The figures and the drawing replaced by small files written the same
    way (one atomic write each), so that a run takes milliseconds."""
    monkeypatch.setattr(cli, '_save_figure',
                        lambda figure, path: write_atomically(path, os.path.basename(path)))
    monkeypatch.setattr(nn, 'plot_decision_boundary', lambda *args, **kwargs: None)
    monkeypatch.setattr(nn, 'plot_history', lambda *args, **kwargs: None)

    def write_graph(model, X, y, loss, path):  # as nn.__main__._write_graph
        write_atomically(path, '<svg/>')

    monkeypatch.setattr(cli, '_write_graph', write_graph)


def test_train_interrupted_at_every_write_leaves_the_old_set(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    fast_writers(monkeypatch)

    def run(folder):
        status = cli.main([*TRAIN, '--out', str(folder)])
        if status == 130:
            assert capsys.readouterr().err.splitlines()[-1].endswith(': error: interrupted')
        return status == 0

    # Interrupted before a rename, or just after it, in turn.
    renames, folder = interrupt_at_every_rename(tmp_path, monkeypatch, run, lambda k: k % 2 == 0)
    assert renames >= 4  # at least one per file
    assert_new_set(folder)


@pytest.mark.parametrize('k', [2, 10])
def test_train_sigint_while_writing(tmp_path, k):
    """A real Ctrl-C (SIGINT) in a real `python -m nn train`, which the
    process sends itself right after its k-th rename: with k = 2, when two
    files are written; with k = 10, here, when two of the new set have taken
    their places (4 files written, 4 old ones moved aside, 2 moved in). The
    run ends with one line and status 130, and the old set is whole."""
    place = tmp_path / 'place'
    folder = place / 'out'
    old_set(folder)
    before = snapshot(place)
    hook = tmp_path / 'hook'
    hook.mkdir()
    (hook / 'sitecustomize.py').write_text(textwrap.dedent(f'''
        import os, signal
        real, calls = os.replace, []
        def replace(source, target, **kwargs):
            real(source, target, **kwargs)
            if os.fspath(target).startswith({str(place)!r}):
                calls.append(target)
                if len(calls) == {k}:
                    os.kill(os.getpid(), signal.SIGINT)
        os.replace = replace
    '''))  # loaded at start-up, as a sitecustomize module is
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(hook), *filter(None, [os.environ.get('PYTHONPATH')])]))
    result = subprocess.run([sys.executable, '-m', 'nn', *TRAIN, '--out', str(folder)], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, timeout=120)
    if result.returncode == 0 and k > 4:  # a way of writing with fewer renames finished first
        assert_new_set(folder)
    else:
        assert result.returncode == 130, result.stderr
        assert result.stderr.splitlines() == ['python -m nn: error: interrupted']
        assert snapshot(place) == before
    assert sorted(os.listdir(tmp_path)) == ['hook', 'place']


def test_train_writes_into_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    fast_writers(monkeypatch)
    (tmp_path / 'notes.txt').write_text('my notes')
    assert cli.main([*TRAIN, '--out', '.']) == 0
    assert sorted(os.listdir(tmp_path)) == sorted([*OUTPUTS, 'notes.txt'])
    assert 'wrote model.json, decision_boundary.png, loss.png, graph.svg' in capsys.readouterr().out


def test_train_failure_leaves_the_old_set_and_a_new_folder_is_not_made(tmp_path, monkeypatch, capsys):
    """A run that fails (here, diverges) after the folder was prepared changes nothing."""
    monkeypatch.chdir(tmp_path)
    diverging = ['--optimizer', 'sgd', '--lr', '1e300']
    folder = tmp_path / 'out'
    before = old_set(folder)
    assert cli.main([*TRAIN, *diverging, '--out', str(folder)]) == 1
    assert snapshot(folder) == before
    assert cli.main([*TRAIN, *diverging]) == 1
    assert os.listdir(tmp_path) == ['out']  # no runs/moons/ left empty
    assert capsys.readouterr().err.count('training diverged') == 2


# --------------------------------------------------------------------------
# python -m nn gpt: its two files change as one set too


def test_gpt_interrupted_while_writing_leaves_the_old_pair(tmp_path, monkeypatch, capsys):
    from nn import gpt

    folder = tmp_path / 'gpt'
    folder.mkdir()
    for name in cli.GPT_OUTPUTS:
        (folder / name).write_bytes(f'old {name}'.encode())
    monkeypatch.setattr(gpt, 'plot_losses', lambda *args, **kwargs: None)

    def interrupted(figure, path):  # model.json is written by now
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, '_save_figure', interrupted)
    arguments = ['gpt', '--steps', '2', '--samples', '1', '--no-progress', '--out', str(folder)]
    assert cli.main(arguments) == 130
    assert snapshot(folder) == {name: f'old {name}'.encode() for name in cli.GPT_OUTPUTS}

    monkeypatch.setattr(cli, '_save_figure', lambda figure, path: write_atomically(path, 'new'))
    assert cli.main(arguments) == 0
    after = snapshot(folder)
    assert sorted(after) == sorted(cli.GPT_OUTPUTS) and after['loss.png'] == b'new'
    assert nn.load(folder / 'model.json').num_parameters() == 4192
    capsys.readouterr()
