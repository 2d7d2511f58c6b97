"""`./lab`, the project's entry point: paths the user gives are relative to
where the user stands, not to the repository (./lab moves into the
repository to set itself up)."""

import subprocess
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent / 'lab'


def lab(*arguments, cwd):
    return subprocess.run([str(LAB), *arguments], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_draw_writes_where_the_user_stands(tmp_path):
    (tmp_path / 'out').mkdir()
    before = sorted(path.name for path in LAB.parent.iterdir())
    result = lab('draw', 'x*x', 'x=2', '-o', 'mine.svg', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = lab('draw', 'x*x', 'x=2', '--steps', 'out/steps.html', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'mine.svg').read_text().lstrip().startswith(('<?xml', '<svg'))
    assert (tmp_path / 'out' / 'steps.html').exists()
    assert sorted(path.name for path in LAB.parent.iterdir()) == before  # nothing in the repository


def test_gpt_writes_where_the_user_stands(tmp_path):
    before = sorted(path.name for path in LAB.parent.iterdir())
    result = lab('gpt', '--steps', '2', '--samples', '1', '--out', 'mine', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'trained 2 steps' in result.stdout
    assert sorted(path.name for path in (tmp_path / 'mine').iterdir()) == ['loss.png', 'model.json']
    assert sorted(path.name for path in LAB.parent.iterdir()) == before


def test_test_files_are_found_where_the_user_stands(tmp_path):
    (tmp_path / 'test_mine.py').write_text('def test_one():\n    pass\n\ndef test_two():\n    pass\n')
    result = lab('test', '-n', '0', '-p', 'no:cacheprovider', '--collect-only', '-q',
                 'test_mine.py::test_two', cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'test_mine.py::test_two' in result.stdout and 'test_one' not in result.stdout
