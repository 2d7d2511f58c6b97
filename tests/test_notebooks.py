"""The course notebooks: committed, up to date, and runnable top to bottom.

Each notebook is executed in a fresh ipykernel running this very interpreter
(the one pytest runs in, so the project's virtualenv), from a temporary
working directory, and fails the test if any cell raises. The committed
.ipynb files must also match their sources in notebooks/src/ and keep the
outputs of a clean in-order run, since that is what readers see on a
code-hosting site.
"""

import copy
import importlib.util
import sys
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / 'notebooks'
EXPECTED_NOTEBOOKS = 8
# "Each notebook runs in under about a minute on a 2-core machine"; allow slack
# for a machine that is busy with other tests.
SECONDS_PER_NOTEBOOK = 120


def _load_build_script():
    spec = importlib.util.spec_from_file_location('notebook_build', NOTEBOOK_DIR / 'build.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build_script()
SOURCES = build.source_files()


def test_there_are_eight_notebooks_each_with_a_source():
    assert len(SOURCES) == EXPECTED_NOTEBOOKS, [s.name for s in SOURCES]
    assert [s.name[:3] for s in SOURCES] == ['01_', '02_', '03_', '04_', '05_', '06_', '07_', '08_']
    for source in SOURCES:
        assert build.notebook_path(source).exists(), f'{build.notebook_path(source).name} not built'


def test_committed_notebooks_match_their_sources():
    assert build.stale_notebooks() == []


@pytest.mark.parametrize('source', SOURCES, ids=lambda s: s.stem)
def test_committed_notebook_keeps_outputs_of_an_in_order_run(source):
    notebook = nbformat.read(build.notebook_path(source), as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == 'code']
    assert code_cells, 'a notebook with no code'
    assert [cell.execution_count for cell in code_cells] == list(range(1, len(code_cells) + 1))
    errors = [output for cell in code_cells for output in cell.outputs if output.output_type == 'error']
    assert errors == []
    assert sum(len(cell.outputs) for cell in code_cells) >= len(code_cells) // 2, 'outputs were stripped'
    assert notebook.metadata.kernelspec.name == build.KERNEL_NAME


def test_parse_cells_reads_the_percent_format():
    text = '# %% [markdown]\n# # Title\n#\n# Some *prose*.\n\n# %%\nx = 1\n\n\nx + 1\n# %%\n\n'
    assert build.parse_cells(text) == [
        ('markdown', '# Title\n\nSome *prose*.'),
        ('code', 'x = 1\n\n\nx + 1'),
    ]


def test_the_kernel_runs_this_python(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell('import sys; print(sys.executable)'))
    build.execute(notebook, tmp_path, timeout=60)
    printed = notebook.cells[0].outputs[0].text.strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize('cell', ['1 + 1', '1 / 0'])
def test_a_run_stops_its_kernel_and_deletes_its_connection_file(cell, tmp_path, monkeypatch):
    managers = []
    make_manager = build.kernel_manager

    def recording_manager():
        managers.append(make_manager())
        return managers[-1]

    monkeypatch.setattr(build, 'kernel_manager', recording_manager)
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(cell))
    try:
        build.execute(notebook, tmp_path, timeout=60)
    except Exception:
        assert cell == '1 / 0'
    (manager,) = managers
    assert manager.connection_file  # it was written (it holds the kernel's HMAC key) ...
    assert not Path(manager.connection_file).exists()  # ... and removed
    assert not manager.is_alive()


def test_a_failing_cell_fails_the_run(tmp_path):
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell('assert 1 + 1 == 3, "arithmetic is broken"'))
    with pytest.raises(CellExecutionError, match='arithmetic is broken'):
        build.execute(notebook, tmp_path, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize('source', SOURCES, ids=lambda s: s.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(source, tmp_path):
    notebook = nbformat.read(build.notebook_path(source), as_version=4)
    fresh = copy.deepcopy(notebook)
    for cell in fresh.cells:
        if cell.cell_type == 'code':
            cell.outputs = []
            cell.execution_count = None
    start = time.perf_counter()
    fresh = build.with_solutions(fresh, source)  # exercises answered, as the build runs them
    build.execute(fresh, tmp_path)  # raises CellExecutionError naming the failing cell
    seconds = time.perf_counter() - start
    counts = [cell.execution_count for cell in fresh.cells if cell.cell_type == 'code']
    assert counts == list(range(1, len(counts) + 1))
    assert seconds < SECONDS_PER_NOTEBOOK, f'{source.stem} took {seconds:.0f} s'


def test_build_script_reports_a_failing_notebook_in_one_line(tmp_path, monkeypatch, capsys):
    source_dir = tmp_path / 'src'
    source_dir.mkdir()
    (source_dir / '01_broken.py').write_text(
        '# %% [markdown]\n# A notebook whose second cell fails.\n# %%\nx = 1\n# %%\nx / 0\n# %%\nprint("never")\n')
    monkeypatch.setattr(build, 'SOURCE_DIR', source_dir)
    monkeypatch.setattr(build, 'NOTEBOOK_DIR', tmp_path)
    assert build.main([]) == 1
    error_lines = capsys.readouterr().err.strip().splitlines()
    assert error_lines == ["build.py: 01_broken failed in the cell starting 'x / 0': "
                           "ZeroDivisionError: division by zero"]
    assert not (tmp_path / '01_broken.ipynb').exists()  # a failed run saves nothing


def test_build_script_builds_and_checks_a_notebook(tmp_path, monkeypatch, capsys):
    source_dir = tmp_path / 'src'
    source_dir.mkdir()
    source = source_dir / '01_tiny.py'
    source.write_text('# %% [markdown]\n# Two cells.\n# %%\nx = 6 * 7\n# %%\nx\n')
    monkeypatch.setattr(build, 'SOURCE_DIR', source_dir)
    monkeypatch.setattr(build, 'NOTEBOOK_DIR', tmp_path)
    assert build.main(['--check']) == 1  # not built yet
    assert build.main([]) == 0
    notebook = nbformat.read(tmp_path / '01_tiny.ipynb', as_version=4)
    assert [cell.execution_count for cell in notebook.cells[1:]] == [1, 2]
    assert notebook.cells[2].outputs[0]['data']['text/plain'] == '42'
    assert build.main(['--check']) == 0
    source.write_text(source.read_text() + '# %%\nx + 1\n')
    assert build.main(['--check']) == 1
    assert 'out of date: 01_tiny.ipynb' in capsys.readouterr().out


def test_exercise_cells_are_left_for_the_learner_and_answered_in_the_solutions():
    exercises = {source: [body for kind, body in build.parse_cells(source.read_text(encoding='utf-8'))
                          if kind == 'code' and build.exercise_name(body)] for source in SOURCES}
    assert exercises[SOURCES[6]], 'notebook 07 has no exercise'
    for source, bodies in exercises.items():
        for body in bodies:
            assert 'raise NotImplementedError' in body, f'{source.name}: an exercise cell holds an answer'
        if bodies:
            solved = build.with_solutions(build.make_notebook(source), source)
            answers = [cell.source for cell in solved.cells if build.exercise_name(cell.source)]
            assert len(answers) == len(bodies)
            assert not any('raise NotImplementedError' in answer for answer in answers)


def test_an_exercise_without_an_answer_stops_the_build(tmp_path, monkeypatch):
    (tmp_path / 'src').mkdir()
    (tmp_path / 'solutions').mkdir()
    source = tmp_path / 'src' / '01_tiny.py'
    source.write_text('# %%\n# Exercise one: x\nx = ...\n# %%\n# Exercise two: y\ny = ...\n')
    (tmp_path / 'solutions' / '01_tiny.py').write_text('# %%\n# Exercise one: x\nx = 1\n')
    monkeypatch.setattr(build, 'SOLUTION_DIR', tmp_path / 'solutions')
    with pytest.raises(build.BuildError, match="exercise 'two' has no solution in solutions/01_tiny.py"):
        build.with_solutions(build.make_notebook(source), source)
    (tmp_path / 'solutions' / '01_tiny.py').write_text(
        '# %%\n# Exercise one: x\nx = 1\n# %%\n# Exercise two: y\ny = 2\n# %%\n# Exercise three: z\nz = 3\n')
    with pytest.raises(build.BuildError, match=r"answers no exercise named \['three'\]"):
        build.with_solutions(build.make_notebook(source), source)


def test_a_built_notebook_shows_the_exercise_above_the_answers_output(tmp_path, monkeypatch):
    for folder in ('src', 'solutions'):
        (tmp_path / folder).mkdir()
    (tmp_path / 'src' / '01_tiny.py').write_text('# %%\n# Exercise six: a number\nx = ...\n# %%\nx\n')
    (tmp_path / 'solutions' / '01_tiny.py').write_text('# %%\n# Exercise six: a number\nx = 6\nprint(x * 7)\n')
    monkeypatch.setattr(build, 'SOURCE_DIR', tmp_path / 'src')
    monkeypatch.setattr(build, 'SOLUTION_DIR', tmp_path / 'solutions')
    monkeypatch.setattr(build, 'NOTEBOOK_DIR', tmp_path)
    assert build.main([]) == 0
    notebook = nbformat.read(tmp_path / '01_tiny.ipynb', as_version=4)
    assert [cell.source for cell in notebook.cells] == ['# Exercise six: a number\nx = ...', 'x']
    assert notebook.cells[0].outputs[0].text == '42\n'
    assert notebook.cells[1].outputs[0]['data']['text/plain'] == '6'
    assert build.main(['--check']) == 0
