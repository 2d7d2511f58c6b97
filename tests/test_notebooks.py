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
import re
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
    if not any(build.exercise_name(cell.source) for cell in code_cells):
        # (a notebook with exercises keeps only what runs without the answers:
        # test_committed_exercise_notebook_shows_no_output_of_the_answers)
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


def test_a_built_notebook_shows_what_the_learner_sees_never_the_answers_output(tmp_path, monkeypatch):
    for folder in ('src', 'solutions'):
        (tmp_path / folder).mkdir()
    (tmp_path / 'src' / '01_tiny.py').write_text(
        '# %%\n# Exercise six: a function\ndef six():\n    raise NotImplementedError\n'
        '# %%\nsix() * 7\n# %%\nprint("the same either way")\n')
    (tmp_path / 'solutions' / '01_tiny.py').write_text(
        '# %%\n# Exercise six: a function\ndef six():\n    return 6\nprint("answered")\n')
    monkeypatch.setattr(build, 'SOURCE_DIR', tmp_path / 'src')
    monkeypatch.setattr(build, 'SOLUTION_DIR', tmp_path / 'solutions')
    monkeypatch.setattr(build, 'NOTEBOOK_DIR', tmp_path)
    assert build.main([]) == 0
    notebook = nbformat.read(tmp_path / '01_tiny.ipynb', as_version=4)
    assert [cell.source for cell in notebook.cells] == [
        '# Exercise six: a function\ndef six():\n    raise NotImplementedError', 'six() * 7',
        'print("the same either way")']
    assert [cell.execution_count for cell in notebook.cells] == [1, 2, 3]
    assert notebook.cells[0].outputs == []  # not the answer's 'answered'
    assert notebook.cells[1].outputs == []  # not the answer's 42, and not the skeleton's error
    assert notebook.cells[2].outputs[0].text == 'the same either way\n'
    assert build.main(['--check']) == 0
    # The answers must still make the notebook run: a wrong answer stops the build.
    (tmp_path / 'solutions' / '01_tiny.py').write_text('# %%\n# Exercise six: a function\ndef six():\n    return 1 / 0\n')
    with pytest.raises(build.BuildError, match="in the cell starting 'six\\(\\) \\* 7': ZeroDivisionError"):
        build.build(tmp_path / 'src' / '01_tiny.py')


# --------------------------------------------------------------------------
# A rebuild with unchanged sources leaves the files as they were


def executed_like_nbclient(sources):
    """A notebook as an executed one arrives: random cell ids, per-cell timestamps."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update(build.KERNEL_METADATA)
    notebook.metadata['language_info'] = {'name': 'python', 'version': '3.11.7', 'file_extension': '.py'}
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata['execution'] = {'iopub.status.busy': time.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}
        notebook.cells.append(cell)
    notebook.cells.append(nbformat.v4.new_markdown_cell('# prose'))
    return notebook


def test_settle_gives_cells_ids_from_their_contents_and_drops_what_changes_per_run():
    sources = ['x = 1', 'print(x)', 'x = 1']  # a repeated cell still gets its own id
    first, second = (build.settle(executed_like_nbclient(sources)) for _ in range(2))
    assert [cell.id for cell in first.cells] == [cell.id for cell in second.cells]
    ids = [cell.id for cell in first.cells]
    assert len(set(ids)) == len(ids) == 4
    assert all(re.fullmatch(r'[a-zA-Z0-9_-]{1,64}', cell_id) for cell_id in ids)
    assert ids[0] != ids[1] and ids[2] == ids[0] + '-2'
    assert all('execution' not in cell.metadata for cell in first.cells)
    assert first.metadata.language_info == {'name': 'python', 'file_extension': '.py'}
    nbformat.validate(first)
    changed = [cell.id for cell in build.settle(executed_like_nbclient(['x = 1', 'print(x + 1)', 'x = 1'])).cells]
    assert changed[1] != ids[1] and changed[:1] + changed[2:] == ids[:1] + ids[2:]  # an edit moves its own id only


def test_settle_joins_a_streams_pieces_and_drops_memory_addresses():
    notebook = executed_like_nbclient(['print("C =", c); draw(c)'])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output('stream', name='stdout', text='C ='),
        nbformat.v4.new_output('stream', name='stdout', text=' 0.51\n'),
        nbformat.v4.new_output('stream', name='stderr', text='warning\n'),
        nbformat.v4.new_output('stream', name='stdout', text='<Drawing object at 0x7fd625f727d0>\n'),
        nbformat.v4.new_output('display_data', data={'image/svg+xml': '<svg/>',
                                                     'text/plain': '<autograd.draw.Drawing at 0x7f5dff5a90d0>'}),
    ]
    outputs = build.settle(notebook).cells[0].outputs
    assert [(output.get('name'), output.get('text')) for output in outputs[:3]] == [
        ('stdout', 'C = 0.51\n'), ('stderr', 'warning\n'), ('stdout', '<Drawing>\n')]
    assert outputs[3].data == {'image/svg+xml': '<svg/>', 'text/plain': '<autograd.draw.Drawing>'}


def widget_state(models):
    return {'application/vnd.jupyter.widget-state+json': {'state': {
        model_id: {'model_name': name, 'state': state} for model_id, (name, state) in models.items()}}}


def test_a_stepper_widget_is_saved_as_the_frame_it_showed_and_its_controls_named():
    notebook = executed_like_nbclient(['stepper(o)'])
    notebook.metadata['widgets'] = widget_state({
        'a1': ('VBoxModel', {'children': ['IPY_MODEL_b2', 'IPY_MODEL_c3']}),
        'b2': ('HBoxModel', {'children': ['IPY_MODEL_d4', 'IPY_MODEL_e5', 'IPY_MODEL_f6', 'IPY_MODEL_g7']}),
        'd4': ('PlayModel', {'value': 0}),
        'e5': ('ButtonModel', {'description': 'prev'}),
        'f6': ('ButtonModel', {'description': 'next'}),
        'g7': ('IntSliderModel', {'description': 'frame'}),
        'c3': ('HTMLModel', {'value': '<pre>o.grad = 1</pre><svg><text>o</text></svg>'}),
    })
    notebook.cells[0].outputs = [nbformat.v4.new_output('display_data', data={
        build.WIDGET_VIEW: {'model_id': 'a1', 'version_major': 2, 'version_minor': 0},
        'text/plain': "VBox(children=(HBox(children=(Play(value=0, description='play'...)"})]
    build.settle(notebook)
    data = notebook.cells[0].outputs[0].data
    assert set(data) == {'text/plain', 'text/html'}
    assert data['text/plain'] == ('Interactive in Jupyter (play, prev, next, a frame slider): '
                                  'run the cell to use the controls.')
    assert data['text/html'].endswith('</em></p>\n<pre>o.grad = 1</pre><svg><text>o</text></svg>')
    assert 'widgets' not in notebook.metadata
    nbformat.validate(notebook)


def test_a_progress_bar_widget_is_saved_as_its_final_text_without_timings():
    notebook = executed_like_nbclient(['nn.fit(model, X, y)'])
    notebook.metadata['widgets'] = widget_state({
        'bar': ('HBoxModel', {'children': ['IPY_MODEL_left', 'IPY_MODEL_progress', 'IPY_MODEL_right']}),
        'left': ('HTMLModel', {'value': 'training: 100%'}),
        'progress': ('FloatProgressModel', {'value': 100, 'max': 100}),
        'right': ('HTMLModel', {'value': ' 100/100 [00:07&lt;00:00, 12.29step/s, loss=0.0133]'}),
    })
    notebook.cells[0].outputs = [nbformat.v4.new_output('display_data', data={
        build.WIDGET_VIEW: {'model_id': 'bar', 'version_major': 2, 'version_minor': 0},
        'text/plain': 'training:   0%|          | 0/100 [00:00<?, ?step/s]'})]
    build.settle(notebook)
    assert notebook.cells[0].outputs[0].data == {'text/plain': 'training: 100% 100/100'}


def test_outputs_that_differ_only_in_timings_count_as_the_same():
    def saved(text, image='iVBORw0KGgo='):
        notebook = executed_like_nbclient(['run()'])
        notebook.cells[0].outputs = [nbformat.v4.new_output('stream', name='stdout', text=text),
                                     nbformat.v4.new_output('display_data', data={'image/png': image})]
        return nbformat.writes(build.settle(notebook))

    before = saved('trained in 7.70 s (12.29 steps/s); a step 41 ms, 00:07 in all; loss 0.0133\n')
    assert build.same_but_timings(before, saved('trained in 9.1 s (10 steps/s); a step 38 ms, 00:09 in all; '
                                                'loss 0.0133\n'))
    assert build.same_but_timings(saved('replay: 5460x as fast, 3401 ns per node\n'),
                                  saved('replay: 4873x as fast, 5313 ns per node\n'))
    assert not build.same_but_timings(before, saved('trained in 7.70 s (12.29 steps/s); a step 41 ms, '
                                                    '00:07 in all; loss 0.0134\n'))
    assert not build.same_but_timings(before, saved('trained in 7.70 s (12.29 steps/s); a step 41 ms, '
                                                    '00:07 in all; loss 0.0133\n', image='iVBORw0KGgp='))


def test_building_twice_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    (tmp_path / 'src').mkdir()
    source = tmp_path / 'src' / '01_tiny.py'
    source.write_text('# %% [markdown]\n# Timed.\n# %%\nimport time\nstart = time.perf_counter()\n'
                      'print(f"6 * 7 = {6 * 7} in {(time.perf_counter() - start) * 1e6:.3f} us")\n')
    monkeypatch.setattr(build, 'SOURCE_DIR', tmp_path / 'src')
    monkeypatch.setattr(build, 'NOTEBOOK_DIR', tmp_path)
    path = tmp_path / '01_tiny.ipynb'
    assert build.main([]) == 0
    first = path.read_bytes()
    assert build.main([]) == 0
    assert path.read_bytes() == first  # same ids, no timestamps; only the timing differed, so not rewritten
    source.write_text(source.read_text().replace('6 * 7', '6 * 8'))
    assert build.main([]) == 0
    assert path.read_bytes() != first and '6 * 8 = 48' in path.read_text()


# --------------------------------------------------------------------------
# What the committed notebooks show


RAW_WIDGET_TEXT = re.compile(r'^(?:VBox|HBox|Box|Output|HTML|Play|Button|IntSlider)\(|\|\s*\d+/\d+ \[|\d+%\|')


@pytest.mark.parametrize('source', SOURCES, ids=lambda s: s.stem)
def test_committed_notebook_is_settled_and_shows_no_raw_widget(source):
    text = build.notebook_path(source).read_text(encoding='utf-8')
    notebook = nbformat.reads(text, as_version=4)
    assert 'widgets' not in notebook.metadata
    assert 'version' not in notebook.metadata.get('language_info', {})
    assert text == nbformat.writes(build.settle(copy.deepcopy(notebook))) + '\n'  # ids as settle gives them
    for cell in notebook.cells:
        assert 'execution' not in cell.metadata
        for output in cell.get('outputs', []):
            assert build.WIDGET_VIEW not in output.get('data', {})
            shown = output.get('text') or output.get('data', {}).get('text/plain', '')
            assert not RAW_WIDGET_TEXT.search(shown), shown


def test_committed_exercise_notebook_shows_no_output_of_the_answers():
    """Notebook 07 as committed is the learner's: every check lists its rows as
    to do (nothing written yet), and no exercise cell has an output."""
    source, = [source for source in SOURCES if source.stem.startswith('07_')]
    notebook = nbformat.read(build.notebook_path(source), as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == 'code']
    for cell in code_cells:
        if build.exercise_name(cell.source):
            assert cell.outputs == [], cell.source.splitlines()[0]
    reports = [line for cell in code_cells for output in cell.outputs
               for line in (output.get('text') or output.get('data', {}).get('text/plain', '')).splitlines()
               if line.startswith('check(Value): ')]
    assert len(reports) >= 6, reports  # one per step's check at least
    for report in reports:
        assert re.fullmatch(r'check\(Value\): 0 passed, 0 failed, \d+ to do', report), report
