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
EXPECTED_NOTEBOOKS = 6
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


def test_there_are_six_notebooks_each_with_a_source():
    assert len(SOURCES) == EXPECTED_NOTEBOOKS, [s.name for s in SOURCES]
    assert [s.name[:3] for s in SOURCES] == ['01_', '02_', '03_', '04_', '05_', '06_']
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
