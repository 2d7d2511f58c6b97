"""`python -m nn train` end to end, in a temporary folder, through a real subprocess."""

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

import nn
import nn.memory

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
OUTPUTS = ('model.json', 'decision_boundary.png', 'loss.png', 'graph.svg')


def run(args, cwd, env=None, timeout=120):
    return subprocess.run([sys.executable, '-m', 'nn', *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def check_outputs(folder):
    for name in OUTPUTS:
        assert (folder / name).is_file(), name
    for name in ('decision_boundary.png', 'loss.png'):
        assert (folder / name).read_bytes()[:8] == PNG_SIGNATURE
    root = ElementTree.parse(folder / 'graph.svg').getroot()
    assert root.tag.endswith('svg')
    return nn.load(folder / 'model.json')


def test_default_run_reaches_full_accuracy(tmp_path):
    result = run(['train', '--no-progress'], tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'final accuracy 100.0% (100/100)' in result.stdout
    folder = tmp_path / 'runs' / 'moons'
    model = check_outputs(folder)
    # check the saved model independently of the command's own report
    X, y = nn.datasets.moons(n=100, noise=0.1, seed=0)
    assert all((model(x).data > 0) == (label == 1) for x, label in zip(X, y))
    assert model.nouts == [16, 16, 1]
    svg = (folder / 'graph.svg').read_text()
    assert 'layers.0.neurons.3' in svg and 'x1' in svg  # the neurons and the inputs
    assert re.search(r'MLP\(2, \[16, 16, 1\]\) on point \d+ \(.*\), target [01]: hinge loss', svg)


def test_options_and_a_multiclass_run(tmp_path):
    out = tmp_path / 'custom out'
    result = run(['train', '--dataset', 'blobs', '--classes', '4', '--n', '40', '--hidden', '6',
                  '--activation', 'tanh', '--optimizer', 'adam', '--lr', '0.05', '--steps', '3',
                  '--batch-size', '10', '--seed', '2', '--out', str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'cross_entropy loss' in result.stdout
    model = check_outputs(out)
    assert model.nouts == [6, 4] and model.activation == 'tanh'
    assert 'training' in result.stderr  # the progress bar


def test_graph_svg_needs_no_graphviz(tmp_path):
    # graph.svg is drawn by nn/network_svg.py (string building), not by Graphviz's dot.
    env = dict(os.environ, PATH=str(tmp_path / 'empty-bin'))
    result = run(['train', '--steps', '2', '--no-progress'], tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert 'warning' not in result.stderr
    folder = tmp_path / 'runs' / 'moons'
    assert sorted(os.listdir(folder)) == ['decision_boundary.png', 'graph.svg', 'loss.png', 'model.json']


@pytest.mark.parametrize('args, message', [
    (['train', '--dataset', 'spiral'], "argument --dataset: invalid choice: 'spiral'"),
    (['train', '--lr', '-1'], 'argument --lr: must be a finite number > 0, got -1'),
    (['train', '--steps', '0'], 'argument --steps: must be a positive integer, got 0'),
    (['train', '--steps', 'ten'], "expected a positive integer, got 'ten'"),
    (['train', '--batch-size', '0'], 'argument --batch-size: must be a positive integer'),
    (['train', '--batch-size', '500'], '--batch-size 500 is larger than the dataset'),
    (['train', '--hidden', '16,x'], 'expected comma-separated layer sizes'),
    (['train', '--noise', '-0.5'], 'argument --noise: must be a finite number >= 0'),
    (['train', '--loss', 'hinge', '--dataset', 'spirals'], "'hinge' is for 2 classes"),
    (['train', '--dataset', 'moons', '--classes', '3'], 'moons has 2 classes, not 3'),
    (['train', '--classes', '1', '--dataset', 'blobs'], '--classes must be at least 2'),
    (['train', '--bogus'], 'unrecognized arguments: --bogus'),
    (['fly'], "invalid choice: 'fly'"),
    ([], 'choose a command: train'),
])
def test_bad_arguments_exit_with_one_line(tmp_path, args, message):
    result = run(args, tmp_path)
    assert result.returncode == 2  # a usage error
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert not (tmp_path / 'runs').exists()


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder')
    result = run(['train', '--out', str(blocker / 'sub'), '--steps', '1'], tmp_path)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'cannot write to the output folder' in lines[0] and str(blocker) in lines[0]


def test_help_documents_every_option(tmp_path):
    result = run(['train', '--help'], tmp_path)
    assert result.returncode == 0
    for option in ('--dataset', '--n', '--noise', '--classes', '--hidden', '--activation', '--init',
                   '--loss', '--optimizer', '--lr', '--steps', '--batch-size', '--l2', '--seed',
                   '--out', '--progress'):
        assert option in result.stdout, option
    assert 'moons' in result.stdout and 'runs/<dataset>' in result.stdout
    top = run(['--help'], tmp_path)
    assert top.returncode == 0 and 'train' in top.stdout


def test_console_script_is_installed(tmp_path):
    script = shutil.which('backprop-lab', path=os.path.dirname(sys.executable))
    assert script is not None, 'backprop-lab console script missing from the virtualenv'
    result = subprocess.run([script, 'train', '--help'], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and 'usage: backprop-lab train' in result.stdout


def test_diverged_training_is_reported_in_one_line(tmp_path):
    result = run(['train', '--optimizer', 'sgd', '--lr', '1e300', '--steps', '2', '--no-progress'], tmp_path)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert result.stderr.strip().splitlines() == [
        'python -m nn: error: training diverged (the loss became nan); try a smaller --lr']


def test_main_returns_the_status_as_python_m_autograd_does(tmp_path, capsys, monkeypatch):
    """Both command lines share one convention: `PROG: error: MESSAGE` on one
    line, status 2 for a usage error, returned by main() rather than raised."""
    from nn.__main__ import main
    monkeypatch.chdir(tmp_path)
    assert main(['train', '--steps', '0']) == 2
    assert main(['train', '--dataset', 'xor', '--classes', '4']) == 2
    assert main([]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 3 and all(': error: ' in line for line in lines), err
    assert 'xor has 2 classes, not 4' in lines[1]
    assert not (tmp_path / 'runs').exists()


# --------------------------------------------------------------------------
# Refused up front: options that say something else than they seem to, and
# runs too large for the memory. In-process, with nothing built.


@pytest.fixture
def nothing_built(monkeypatch):
    """Makes building a model or training an error, and records the datasets
    asked for: a refusal must come before any of them (the datasets refuse
    a bad n or number of classes themselves, before making a point)."""
    def built(*args, **kwargs):
        raise AssertionError('built something before refusing')
    for name in ('MLP', 'fit'):
        monkeypatch.setattr(nn, name, built)
    asked, load = [], nn.datasets.load

    def recorded(*args, **kwargs):
        asked.append(kwargs)
        if kwargs.get('n', 0) > 2_000_000:  # gigabytes of points: never make them here
            raise AssertionError(f'asked for {kwargs["n"]:,} points')
        return load(*args, **kwargs)
    monkeypatch.setattr(nn.datasets, 'load', recorded)
    return asked


FOUR_GB = 4 * 10**9


@pytest.mark.parametrize('args, message', [
    (['--hidden', '1 6'], "argument --hidden: expected comma-separated layer sizes such as 16,16 "
                          "(or '' for none), got '1 6'"),
    (['--hidden', ',,,'], "got ',,,'"),
    (['--hidden', '16,'], "got '16,'"),
    (['--hidden', '1_6'], "got '1_6'"),
    (['--hidden', '16,-3'], "argument --hidden: layer sizes must be positive, got '16,-3'"),
    (['--steps', '1_000'], "argument --steps: expected a positive integer, got '1_000'"),
    (['--n', '+5'], "argument --n: expected a positive integer, got '+5'"),
    (['--seed', '١٦'], "argument --seed: expected an integer, got '١٦'"),
    (['--lr', ' 0.1'], "argument --lr: expected a number, got ' 0.1'"),
    (['--lr', '١٦'], "argument --lr: expected a number, got '١٦'"),
    (['--lr', 'nan'], 'argument --lr: must be a finite number > 0, got nan'),
    (['--steps', '9' * 60], "expected a positive integer, got '9999999999999999999999999999999999999...'"),
    (['--activation', 'tanh', '--hidden', ''],
     '--activation tanh does not apply: it is the activation of the hidden layers, and --hidden is empty'),
    (['--classes', '5'], 'moons has 2 classes, not 5; spirals and blobs take a number of classes'),
    (['--dataset', 'xor', '--classes', '3'], 'xor has 2 classes, not 3'),
    (['--dataset', 'blobs', '--classes', '5000'], 'blobs: 5000 classes need at least 5000 points, got n=100'),
    (['--dataset', 'blobs', '--classes', '5000', '--n', '5000'],
     'GB of memory but 4.0 GB is available: 903,320,960 nodes per step (180,613 per point) and '
     '85,320 parameters; use smaller --hidden, --n, --batch-size or --classes'),
    (['--hidden', '100000'], 'GB of memory but 4.0 GB is available: '
                             '71,200,903 nodes per step (700,009 per point) and 400,001 parameters'),
    (['--hidden', '16,16', '--batch-size', '10', '--n', '1000000'],
     'MB of memory but 100 KB is available: 7,501 nodes per step'),
    (['--n', '100000000'], 'TB of memory but 4.0 GB is available: 64,900,001,011 nodes per step'),
    (['--n', '2000000', '--batch-size', '1'], 'moons: n must be at most 1,000,000 (a pure-Python dataset), '
                                              'got 2,000,000'),
])
def test_refused_before_anything_is_built(tmp_path, monkeypatch, capsys, nothing_built, args, message):
    from nn.__main__ import main
    monkeypatch.chdir(tmp_path)
    available = 100_000 if '1000000' in args else FOUR_GB  # the same figures on every machine
    monkeypatch.setattr(nn.memory, 'available_memory', lambda: available, raising=False)
    assert main(['train', *args]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and ': error: ' in lines[0] and message in lines[0], lines
    if 'memory' in message:
        assert ': error: this run needs about ' in lines[0]
        assert nothing_built == []  # not even the data
    assert os.listdir(tmp_path) == []


def test_refused_on_any_machine(tmp_path):
    """Sizes beyond any machine's memory, through a real `python -m nn train`
    (held to 2 GB of address space, in case one is not refused after all)."""
    import resource

    def at_most_2_gb():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    for args in (['--hidden', '100000000'], ['--n', '100000000'],
                 ['--dataset', 'blobs', '--classes', '5000', '--n', '1000000']):
        result = subprocess.run([sys.executable, '-m', 'nn', 'train', *args], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60, preexec_fn=at_most_2_gb)
        assert result.returncode == 2 and result.stdout == ''
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and 'TB of memory but' in lines[0], lines
    assert os.listdir(tmp_path) == []


def test_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    from nn.__main__ import main
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'out').mkdir()
    (tmp_path / 'out' / 'model.json').write_text('the old model')

    def fit(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(nn, 'fit', fit)
    assert main(['train', '--out', 'out']) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [lines[0].split(': error: ')[0] + ': error: out of memory; '
                     'try smaller --hidden, --n or --batch-size']
    assert os.listdir(tmp_path / 'out') == ['model.json']
    assert (tmp_path / 'out' / 'model.json').read_text() == 'the old model'


def test_gpt_with_an_unwritable_folder_fails_at_once(tmp_path, monkeypatch, capsys):
    from nn.__main__ import main
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder')
    monkeypatch.setattr(nn, 'GPT', lambda *args, **kwargs: pytest.fail('made a GPT first'))
    assert main(['gpt', '--out', str(blocker / 'sub')]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and f'error: cannot write to the output folder {blocker}' in lines[0], lines
