"""`python -m autograd draw ...` (autograd/__main__.py).

Good input is checked against numbers computed with `math` by hand and with
sympy; hostile input must be refused with one line on stderr, a non-zero
exit status, no traceback, and no side effect.
"""

import math
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

import pytest
import sympy

from autograd.__main__ import UsageError, evaluate, main, parse_assignments
from drawings import page_data

SVG = '{http://www.w3.org/2000/svg}'


def run(*arguments, cwd, env=None):
    return subprocess.run([sys.executable, '-m', 'autograd', *arguments], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def record_texts(svg_path):
    root = ElementTree.parse(svg_path).getroot()
    texts = []
    for group in root.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            texts.append([text.text for text in group.iter(f'{SVG}text')])
    return texts


def test_draw_writes_an_svg_with_the_right_numbers(tmp_path):
    result = run('draw', 'tanh(x*w + b)', 'x=2', 'w=-3', 'b=6.88', '-o', 'graph.svg', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''
    texts = record_texts(tmp_path / 'graph.svg')
    assert len(texts) == 3 + 3 + 3  # leaves x w b; values x*w, +b, tanh; three ops
    out = math.tanh(2 * -3 + 6.88)
    slope = 1 - out ** 2  # d tanh(n)/dn
    assert ['x', 'data 2.0000', f'grad {-3 * slope:.4f}'] in texts
    assert ['w', 'data -3.0000', f'grad {2 * slope:.4f}'] in texts
    assert ['b', 'data 6.8800', f'grad {slope:.4f}'] in texts
    assert ['data 0.8800', f'grad {slope:.4f}'] in texts
    assert [f'data {out:.4f}', 'grad 1.0000'] in texts
    assert ['tanh'] in texts


def test_output_formats_from_the_suffix(tmp_path):
    for name, magic in (('g.png', b'\x89PNG'), ('g.pdf', b'%PDF'), ('g.dot', b'digraph')):
        result = run('draw', 'x*x + 3*x', 'x=2', '-o', name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).read_bytes().startswith(magic)


def test_steps_writes_the_html_stepper(tmp_path):
    result = run('draw', 'tanh(x*w + b)', 'x=2', 'w=-3', 'b=6.88', '--steps', 'steps.html', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / 'steps.html').read_text(encoding='utf-8')
    assert len(page_data(page)['frames']) == 1 + 3  # the start, then tanh, +, *
    assert 'x.grad += w.data * v0.grad' in page  # x*w: the first unlabelled value
    assert 'http://' not in page and 'https://' not in page


def test_missing_dot_is_one_line_with_install_hints(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    result = run('draw', 'x*2', 'x=1', '-o', 'g.svg', cwd=tmp_path, env={'PATH': str(empty)})
    assert result.returncode == 1
    assert result.stderr.count('\n') == 1 and 'Traceback' not in result.stderr
    assert 'apt-get install graphviz' in result.stderr and 'https://graphviz.org/download/' in result.stderr
    assert not (tmp_path / 'g.svg').exists()
    # DOT text needs no Graphviz
    result = run('draw', 'x*2', 'x=1', '-o', 'g.dot', cwd=tmp_path, env={'PATH': str(empty)})
    assert result.returncode == 0 and (tmp_path / 'g.dot').read_text().startswith('digraph')


HOSTILE = [
    "__import__('os')",
    "__import__('os').system('touch PWNED')",
    'x.__class__',
    'x.__class__.__bases__[0].__subclasses__()',
    '[].append',
    '[x]',
    'lambda: x',
    '(lambda: 1)()',
    'open("PWNED", "w")',
    'exec("1")',
    'eval("x")',
    'y + 1',
    'x if x else x',
    'x // 2',
    'x % 2',
    'x @ x',
    '~x',
    'not x',
    'x < 1',
    '"text"',
    'b"bytes"',
    'True * x',
    '1j * x',
    'exp',
    'tanh(x, x)',
    'tanh(x=x)',
    'tanh(*[x])',
    'x.tanh()',
    '(y := x)',
    'f"{x}"',
    '{x: 1}',
    'x[0]',
    '',
    'x +',
    'x = 1',
    'import os',
    '9**9**9 * x',
    'log(x - 5)',
    'x / (x - x)',
    '2 * 3',
]


@pytest.mark.parametrize('expression', HOSTILE)
def test_hostile_or_invalid_expressions_are_refused(expression, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(['draw', expression, 'x=2', '-o', 'graph.svg'])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith('autograd: error: ') and captured.err.count('\n') == 1
    assert 'Traceback' not in captured.err
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing touched


@pytest.mark.parametrize('expression', ["__import__('os').system('touch PWNED')", 'x.__class__', 'lambda: x'])
def test_hostile_expressions_in_a_real_process(expression, tmp_path):
    result = run('draw', expression, 'x=2', '-o', 'graph.svg', cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1 and 'Traceback' not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('arguments, message', [
    (['draw', 'x', 'x'], 'expected NAME=VALUE'),
    (['draw', 'x', 'x=abc'], 'must be a number'),
    (['draw', 'x', 'x=nan'], 'finite'),
    (['draw', 'x', 'x=1', 'x=2'], 'given twice'),
    (['draw', 'x', '1x=2'], 'not a valid variable name'),
    (['draw', 'x', 'for=2'], 'not a valid variable name'),
    (['draw', 'x', 'tanh=2'], 'name of a function'),
    (['draw', 'x', 'x=1'], 'say where to write'),
    (['draw', 'x', 'x=1', '-o', 'graph.txt'], 'cannot tell the format'),
    (['draw', 'x', 'x=1', '-o', 'g.svg', '--forward'], '--forward goes with --steps'),
    (['draw', 'x', 'x=1', '-o', 'g.svg', '--max-nodes', 'many'], "argument --max-nodes: expected a positive integer, got 'many'"),
    (['draw', 'x*x', 'x=1', '-o', 'g.svg', '--max-nodes', '2'], 'more than --max-nodes 2'),
    (['draw'], 'required'),
    ([], 'give a command'),
    (['paint'], 'invalid choice'),
])
def test_malformed_command_lines_are_refused_on_one_line(arguments, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(arguments)
    captured = capsys.readouterr()
    assert status == 2
    assert message in captured.err and captured.err.count('\n') == 1
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_one_line(tmp_path, capsys):
    # Found while the options are read, before any drawing: a usage error.
    status = main(['draw', 'x', 'x=1', '-o', str(tmp_path / 'missing' / 'g.svg')])
    captured = capsys.readouterr()
    assert status == 2
    assert 'cannot write' in captured.err and 'missing/g.svg' in captured.err
    assert 'does not exist' in captured.err
    assert captured.err.count('\n') == 1


def test_evaluate_agrees_with_sympy():
    expression = 'x*w + b/x - x**2 + exp(-w) + log(b) * sigmoid(x) + relu(w) + 2**x - 3/w + tanh(b)**3'
    numbers = {'x': 1.5, 'w': -0.7, 'b': 2.5}
    root = evaluate(expression, numbers)
    root.backward()
    symbols = {name: sympy.Symbol(name) for name in numbers}
    x, w, b = symbols['x'], symbols['w'], symbols['b']
    reference = (x * w + b / x - x ** 2 + sympy.exp(-w) + sympy.log(b) / (1 + sympy.exp(-x))
                 + sympy.Max(w, 0) + 2 ** x - 3 / w + sympy.tanh(b) ** 3)
    assert root.data == pytest.approx(float(reference.subs(numbers)), rel=1e-12)
    from autograd.graph import topo_order

    leaves = {node.label: node for node in topo_order(root) if not node._prev and node.label}
    assert set(leaves) == set(numbers)
    for name, symbol in symbols.items():
        derivative = float(sympy.diff(reference, symbol).subs(numbers))
        assert leaves[name].grad == pytest.approx(derivative, rel=1e-10), name


def test_parse_assignments_and_unary_plus():
    assert parse_assignments(['x=2', ' w = -3.5 ', 'b=1e-3']) == {'x': 2.0, 'w': -3.5, 'b': 0.001}
    assert evaluate('+x - -x', {'x': 2.0}).data == 4.0
    assert evaluate('tanh(0.5) * x', {'x': 2.0}).data == pytest.approx(2 * math.tanh(0.5))
    with pytest.raises(UsageError, match='unknown name'):
        evaluate('x * y', {'x': 1.0})


def fake_dot_env(tmp_path, script):
    """An environment whose first `dot` on PATH runs `script` (sh)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    program = bin_dir / 'dot'
    program.write_text('#!/bin/sh\n' + script + '\n')
    program.chmod(0o755)
    return {**os.environ, 'PATH': f'{bin_dir}{os.pathsep}{os.environ["PATH"]}'}


def test_steps_and_output_naming_the_same_file_are_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'sub').mkdir()
    for output, steps in (('g.svg', 'g.svg'), ('g.svg', './sub/../g.svg')):
        status = main(['draw', 'x*x', 'x=2', '-o', output, '--steps', steps])
        captured = capsys.readouterr()
        assert status == 2 and 'same file' in captured.err and captured.err.count('\n') == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ['sub']


def test_ctrl_c_ends_with_one_line_and_writes_nothing(tmp_path):
    env = fake_dot_env(tmp_path, 'exec sleep 30')
    process = subprocess.Popen([sys.executable, '-m', 'autograd', 'draw', 'x*x', 'x=2', '-o', 'g.svg'],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(1.5)  # well inside the call of `dot`
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == 'autograd: error: interrupted; nothing was written\n'
    assert not (tmp_path / 'g.svg').exists()


@pytest.mark.parametrize('script, message', [
    ('cat > /dev/null; kill -9 $$', 'killed by signal 9'),
    ('cat > /dev/null; printf \'<svg><g class="node"><title>v0</title></g></svg>\\n\'', 'incomplete'),
])
def test_a_dot_that_dies_or_draws_part_fails_the_command(script, message, tmp_path):
    env = fake_dot_env(tmp_path, script)
    for output in (['-o', 'g.svg'], ['--steps', 'steps.html']):
        result = run('draw', 'x*x + 3*x', 'x=2', *output, cwd=tmp_path, env=env)
        assert result.returncode == 1, result.stdout
        assert message in result.stderr and result.stderr.count('\n') == 1
        assert 'wrote' not in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ['bin']


def test_a_slow_dot_is_stopped_with_advice_on_the_options(tmp_path):
    env = fake_dot_env(tmp_path, 'exec sleep 30')
    result = run('draw', 'x*x', 'x=2', '-o', 'g.svg', '--timeout', '0.5', cwd=tmp_path, env=env)
    assert result.returncode == 1 and result.stderr.count('\n') == 1
    assert 'within 0.5 s' in result.stderr and '--max-nodes' in result.stderr and '--timeout 2' in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ['bin']


def test_too_many_nodes_is_refused_with_the_command_line_option(tmp_path):
    expression = '-'.join(['x'] * 300)
    result = run('draw', expression, 'x=1', '-o', 'g.svg', cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count('\n') == 1
    assert '--max-nodes 400' in result.stderr and '--max-nodes 1197' in result.stderr
    assert 'max_nodes=' not in result.stderr and 'collapse=True' not in result.stderr  # Python words
    assert list(tmp_path.iterdir()) == []
