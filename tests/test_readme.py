"""The README's REPL sessions run as written (doctest), so they cannot drift."""

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / 'README.md'


def python_blocks():
    return re.findall(r'```python\n(.*?)```', README.read_text(encoding='utf-8'), flags=re.S)


def test_readme_has_repl_sessions():
    blocks = python_blocks()
    assert len(blocks) >= 2
    assert all('>>> ' in block for block in blocks)


def test_readme_repl_sessions_run_as_shown():
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for index, block in enumerate(python_blocks()):
        test = parser.get_doctest(block, {}, f'README block {index}', str(README), 0)
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 10
    assert results.failed == 0, f'{results.failed} README examples differ from what they print'
