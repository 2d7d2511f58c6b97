"""Build the course notebooks from their sources and run them top to bottom.

Each notebook is written as a plain Python file in `notebooks/src/`, in the
"percent" format that editors understand: a line `# %%` starts a code cell,
`# %% [markdown]` starts a markdown cell whose lines are comments. This file
turns every source into `notebooks/<name>.ipynb`, executes it in a fresh
kernel (the Python running this script, so the project's virtualenv), and
saves the outputs, so the committed notebooks read well on a code-hosting
site and their execution counts run 1, 2, 3, ... in order.

    python notebooks/build.py              # build and run all notebooks
    python notebooks/build.py 04 05        # only those whose name starts so
    python notebooks/build.py --check      # are the .ipynb files up to date?

Why sources in .py files: they diff and review like code, and an executed
.ipynb is only ever an output of this script, never edited by hand.

Exercises: a code cell whose first line reads `# Exercise NAME: ...` is for
the learner to complete. Its answer is the cell of the same NAME in
`notebooks/solutions/<same file name>`. The notebook runs first with the
answers in place (so every build proves the course works end to end), then
as the learner gets it, and is saved from that second run: a check shows its
rows as to do, and a cell that fails without the answers is saved with no
output. Nothing the answers print is ever shown under a cell the learner has
not written.

A rebuild with no change to the sources leaves the files as they were
(`settle`): cell ids come from the cells' contents, run timestamps are not
recorded, memory addresses are dropped from reprs, a stream's pieces are
joined, and an interactive widget (whose model ids are random and which no
static viewer can draw) is saved as a static rendering of what it showed
(`static_widget`). Figures measured in time differ from run to run: a
notebook whose new text outputs differ from the saved ones only in such
figures is not rewritten (`same_but_timings`); a plot of timings (notebook
05's) is an image, compared exactly, so that notebook is rewritten.
"""

import argparse
import copy
import hashlib
import html
import json
import re
import sys
import time
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent
SOURCE_DIR = NOTEBOOK_DIR / 'src'
SOLUTION_DIR = NOTEBOOK_DIR / 'solutions'
EXERCISE = re.compile(r'# Exercise (\w+):')
CELL_TIMEOUT_SECONDS = 300
KERNEL_NAME = 'python3'
KERNEL_METADATA = {
    'kernelspec': {'display_name': 'Python 3 (ipykernel)', 'language': 'python', 'name': KERNEL_NAME},
    'language_info': {'name': 'python'},
}


def source_files():
    """The notebook sources, in course order (their names start 01_, 02_, ...)."""
    return sorted(SOURCE_DIR.glob('[0-9][0-9]_*.py'))


def notebook_path(source):
    return NOTEBOOK_DIR / (source.stem + '.ipynb')


def parse_cells(text):
    """Split percent-format text into [(kind, source)], kind 'markdown' or 'code'."""
    cells = []
    kind, lines = None, []

    def finish():
        body = '\n'.join(lines).strip('\n')
        if kind is not None and body.strip():
            cells.append((kind, body))

    for line in text.splitlines():
        if line.startswith('# %%'):
            finish()
            kind = 'markdown' if '[markdown]' in line else 'code'
            lines = []
        elif kind == 'markdown':
            # '# text' -> 'text'; a bare '#' is a blank markdown line.
            lines.append(line[2:] if line.startswith('# ') else line.lstrip('#'))
        elif kind == 'code':
            lines.append(line)
    finish()
    return cells


def make_notebook(source):
    """An unexecuted nbformat notebook built from one source file."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update(KERNEL_METADATA)
    for kind, body in parse_cells(Path(source).read_text(encoding='utf-8')):
        if kind == 'markdown':
            notebook.cells.append(nbformat.v4.new_markdown_cell(body))
        else:
            notebook.cells.append(nbformat.v4.new_code_cell(body))
    return notebook


def exercise_name(cell_source):
    """'add' for a cell starting '# Exercise add: ...'; None for any other cell."""
    match = EXERCISE.match(cell_source)
    return match.group(1) if match else None


def with_solutions(notebook, source):
    """A copy of `notebook` whose exercise cells hold their solutions (the
    notebook itself when `source` has no solutions file)."""
    solution_file = SOLUTION_DIR / Path(source).name
    if not solution_file.exists():
        return notebook
    solutions = {exercise_name(body): body for kind, body in parse_cells(solution_file.read_text(encoding='utf-8'))
                 if kind == 'code' and exercise_name(body)}
    solved = copy.deepcopy(notebook)
    exercises = set()
    for cell in solved.cells:
        name = exercise_name(cell.source) if cell.cell_type == 'code' else None
        if name is None:
            continue
        if name not in solutions:
            raise BuildError(f'{Path(source).stem}: exercise {name!r} has no solution in solutions/{solution_file.name}')
        exercises.add(name)
        cell.source = solutions[name]
    extra = sorted(set(solutions) - exercises)
    if extra:
        raise BuildError(f'{Path(source).stem}: solutions/{solution_file.name} answers no exercise named {extra}')
    return solved


def kernel_manager():
    """A kernel manager that starts ipykernel on *this* Python interpreter.

    Searching no kernel directories leaves only ipykernel's built-in spec,
    which launches `sys.executable`; so a stray user-wide 'python3' kernel
    pointing at another interpreter can never be picked up by mistake.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def execute(notebook, working_dir, timeout=CELL_TIMEOUT_SECONDS, allow_errors=False):
    """Run every cell in order in a fresh kernel; raises on the first failing cell,
    unless `allow_errors`, which runs every cell and keeps the errors as outputs.

    Returns the wall time in seconds. The notebook is filled in place.
    """
    from nbclient import NotebookClient

    manager = kernel_manager()
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        allow_errors=allow_errors,
        record_timing=False,  # per-cell timestamps would change every file on every run
        resources={'metadata': {'path': str(working_dir)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        # The client does not stop a kernel it was given: stop it here, which
        # also deletes its connection file (it holds the kernel's HMAC key).
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        manager.cleanup_resources()
    return time.perf_counter() - start


def cell_sources(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def stale_notebooks():
    """Names of notebooks missing, or whose cells differ from their source."""
    import nbformat

    stale = []
    for source in source_files():
        path = notebook_path(source)
        if not path.exists():
            stale.append(f'{path.name} (missing)')
            continue
        committed = nbformat.read(path, as_version=4)
        if cell_sources(committed) != parse_cells(source.read_text(encoding='utf-8')):
            stale.append(f'{path.name} (cells differ from src/{source.name})')
    return stale


class BuildError(Exception):
    """A notebook failed to run; the message names the cell and the error."""


def build(source):
    """Make, run and save one notebook; returns the run time in seconds."""
    import nbformat

    notebook = make_notebook(source)
    solved = with_solutions(notebook, source)
    try:
        seconds = execute(solved, NOTEBOOK_DIR)
    except Exception as error:
        raise BuildError(f'{source.stem} failed {describe_failure(solved, error)}') from error
    if solved is not notebook:
        # What the learner sees: the notebook as written, run. A cell that
        # needs an answer fails here and is saved with no output.
        try:
            seconds += execute(notebook, NOTEBOOK_DIR, allow_errors=True)
        except Exception as error:
            raise BuildError(f'{source.stem} (as the learner gets it) failed '
                             f'{describe_failure(notebook, error)}') from error
        for cell in notebook.cells:
            if any(output.get('output_type') == 'error' for output in cell.get('outputs', [])):
                cell.outputs = []
    settle(notebook)
    path = notebook_path(source)
    text = nbformat.writes(notebook)
    text += '' if text.endswith('\n') else '\n'  # as nbformat.write ends a file
    if not (path.exists() and same_but_timings(path.read_text(encoding='utf-8'), text)):
        partial = path.with_name(f'.{path.name}.partial')  # a stopped build leaves the old file whole
        try:
            partial.write_text(text, encoding='utf-8')
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return seconds


# --------------------------------------------------------------------------
# Saving the same bytes for the same sources


def settle(notebook):
    """Make an executed notebook's file depend only on its cells and outputs:
    ids from the cells' contents, no run timestamps, interactive widgets
    replaced by static renderings, no kernel version."""
    widgets = notebook.metadata.pop('widgets', {})
    models = widgets.get('application/vnd.jupyter.widget-state+json', {}).get('state', {})
    seen = {}
    for cell in notebook.cells:
        cell.metadata.pop('execution', None)
        digest = hashlib.sha1(f'{cell.cell_type}\0{cell.source}'.encode('utf-8')).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f'{digest}-{seen[digest]}'  # a repeated cell
        if cell.cell_type == 'code':
            cell.outputs = [_settled_output(output, models) for output in _joined_streams(cell.outputs)]
    notebook.metadata.get('language_info', {}).pop('version', None)
    return notebook


def _joined_streams(outputs):
    """Consecutive prints to one stream as one output: how the kernel splits
    them into messages depends on timing."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get('output_type') == 'stream' and previous is not None
                and previous.get('output_type') == 'stream' and previous.get('name') == output.get('name')):
            previous['text'] = _text(previous['text']) + _text(output['text'])
        else:
            joined.append(output)
    return joined


def _settled_output(output, models):
    """The output with a widget replaced by its static rendering and no
    memory addresses in its text ('<Drawing at 0x7fd6...>' changes every run)."""
    view = output.get('data', {}).get(WIDGET_VIEW)
    if view is not None:
        output['data'] = static_widget(view.get('model_id'), models)
    if 'text' in output:
        output['text'] = ADDRESS.sub('>', _text(output['text']))
    if 'text/plain' in output.get('data', {}):
        output['data']['text/plain'] = ADDRESS.sub('>', _text(output['data']['text/plain']))
    return output


def _text(text):
    return ''.join(text) if isinstance(text, list) else text


ADDRESS = re.compile(r' (?:object )?at 0x[0-9a-fA-F]+>')


WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def static_widget(model_id, models):
    """The output data that stands for a widget in a saved notebook, from the
    widget's last state: a progress bar as its final text ('training: 100%
    100/100', without the timings beside it); anything else as the HTML it
    showed, under a line naming its controls, which work once the cell runs."""
    parts = []

    def walk(identifier):
        model = models.get(identifier)
        if model is None:
            return
        parts.append((model.get('model_name', ''), model.get('state', {})))
        for child in model.get('state', {}).get('children', []):
            walk(str(child).removeprefix('IPY_MODEL_'))

    walk(model_id)
    names = [name for name, _ in parts]
    progress = [state for name, state in parts if name.endswith('ProgressModel')]
    shown = [state.get('value', '') for name, state in parts if name == 'HTMLModel']
    if progress:
        label = _plain_text(shown[0]) if shown else ''
        done, total = progress[0].get('value', 0), progress[0].get('max', 0)
        return {'text/plain': f'{label} {done:g}/{total:g}'.strip()}
    controls = []
    for name, state in parts:
        if name == 'PlayModel':
            controls.append('play')
        elif name == 'ButtonModel':
            controls.append(state.get('description') or 'a button')
        elif name.endswith('SliderModel'):
            controls.append(f"a {state.get('description') or 'value'} slider")
    if not names:
        note = 'An interactive widget: run the cell in Jupyter to see it.'
    elif controls:
        note = f'Interactive in Jupyter ({", ".join(controls)}): run the cell to use the controls. As it first showed:'
    else:
        note = 'Interactive in Jupyter: run the cell to use it. As it first showed:'
    data = {'text/plain': note.removesuffix(' As it first showed:')}
    if shown:
        data['text/html'] = f'<p><em>{html.escape(note)}</em></p>\n' + '\n'.join(shown)
    return data


def _plain_text(fragment):
    """'training: 100%' from an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r'<[^>]*>', '', fragment)).strip()


# A figure measured in time, or a ratio of two ('7.70 s', '12 ms', '3.5 us',
# '12.29step/s', '00:07', '5460x'). A ratio that is not a timing is masked
# too: a change in it alone does not rewrite the notebook (it is rare here).
TIMING = re.compile(r'\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:s|ms|us|µs|ns|steps?/s|it/s|x)\b|\d\d:\d\d(?::\d\d)?')


def same_but_timings(saved, built):
    """Whether two notebook files differ at most in figures measured in time
    in their text outputs (sources, metadata and images must match exactly)."""
    def masked(text):
        try:
            cells = json.loads(text)['cells']
        except (ValueError, KeyError, TypeError):
            return None
        return [{**cell, 'outputs': [_masked_output(output) for output in cell.get('outputs', [])]}
                for cell in cells]

    return saved == built or (masked(saved) is not None and masked(saved) == masked(built))


def _masked_output(output):
    """The output with every timing in its text replaced by '#'."""
    def mask(text):
        return TIMING.sub('#', ''.join(text) if isinstance(text, list) else str(text))

    output = dict(output)
    if 'text' in output:
        output['text'] = mask(output['text'])
    if 'data' in output:
        output['data'] = {kind: mask(value) if kind in ('text/plain', 'text/html') else value
                          for kind, value in output['data'].items()}
    return output


def describe_failure(notebook, error):
    """One line: where the run stopped (the failing cell's first line) and the error."""
    if getattr(error, 'ename', None):  # an exception raised inside the kernel
        what = f'{error.ename}: {error.evalue}'
    else:  # a timeout, a kernel that would not start, ...
        lines = str(error).strip().splitlines()
        what = f"{type(error).__name__}: {lines[-1] if lines else ''}"
    for cell in notebook.cells:
        if any(output.get('output_type') == 'error' for output in cell.get('outputs', [])):
            first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ''
            return f'in the cell starting {first_line!r}: {what}'
    return what


def main(argv=None):
    parser = argparse.ArgumentParser(description='Build and execute the course notebooks.')
    parser.add_argument('prefixes', nargs='*', help='only notebooks whose name starts with one of these')
    parser.add_argument('--check', action='store_true', help='only report notebooks that are out of date')
    args = parser.parse_args(argv)

    if args.check:
        stale = stale_notebooks()
        for name in stale:
            print(f'out of date: {name}')
        return 1 if stale else 0

    sources = [s for s in source_files() if not args.prefixes or s.name.startswith(tuple(args.prefixes))]
    if not sources:
        print(f'build.py: no notebook source matches {args.prefixes} in {SOURCE_DIR}', file=sys.stderr)
        return 2
    for source in sources:
        print(f'{source.stem}: running ...', flush=True)
        try:
            seconds = build(source)
        except BuildError as error:  # one line, not a traceback
            print(f'build.py: {error}', file=sys.stderr)
            return 1
        print(f'{source.stem}: ran in {seconds:.1f} s -> {notebook_path(source).name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
