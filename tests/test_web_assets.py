"""Front-end files (autograd/web, nn/web): they parse, they ship, and pages fetch nothing.

`node --check` is the JavaScript parser of the tests; `./lab test` installs
Node.js when it is missing, so a machine without it fails here instead of
skipping the check.
"""

import json
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import autograd
import nn
from autograd import Value, save_steps_html

WEB = Path(autograd.__file__).parent / 'web'     # the stepper's files and the palette
NN_WEB = Path(nn.__file__).parent / 'web'        # the playground's
WEB_FOLDERS = {'autograd': WEB, 'nn': NN_WEB}
JS_FILES = sorted([*WEB.rglob('*.js'), *NN_WEB.rglob('*.js')])
SHIPPED = {'autograd': ('palette.json', 'stepper.js', 'predict.js', 'stepper.css'),
           'nn': ('playground.js', 'playground_touch.js', 'playground_live.js', 'playground.css',
                  'playground.html', 'network.js', 'network.css')}
# The one file that may fetch: the playground's live page asking its own server
# (never inlined into a saved page).
FETCHES_FROM_ITS_SERVER = ('playground_live.js',)


def node_program():
    node = shutil.which('node') or shutil.which('nodejs')
    if node is None:
        pytest.fail('Node.js is needed to check the JavaScript in autograd/web and nn/web: install it '
                    '(Debian/Ubuntu: sudo apt-get install nodejs; ./lab test does this itself)')
    return node


def test_there_is_javascript_to_check():
    assert sorted(path.name for path in JS_FILES) == ['network.js', 'playground.js', 'playground_live.js',
                                                      'playground_touch.js', 'predict.js', 'stepper.js']


@pytest.mark.parametrize('path', JS_FILES, ids=lambda path: path.name)
def test_every_javascript_file_parses(path):
    result = subprocess.run([node_program(), '--check', str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_node_check_can_fail(tmp_path):
    broken = tmp_path / 'broken.js'
    broken.write_text('function (', encoding='utf-8')
    result = subprocess.run([node_program(), '--check', str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and 'SyntaxError' in result.stderr


def test_the_package_finds_its_web_files():
    for package, names in SHIPPED.items():
        web = resources.files(package).joinpath('web')
        for name in names:
            assert web.joinpath(name).read_text(encoding='utf-8').strip(), name
    json.loads(resources.files('autograd').joinpath('web', 'palette.json').read_text(encoding='utf-8'))


def test_a_build_of_the_package_ships_the_web_files(tmp_path):
    """What `pip install` installs: setuptools' build of a copy of the project."""
    project = Path(autograd.__file__).parent.parent
    for name in ('autograd', 'nn'):
        shutil.copytree(project / name, tmp_path / name, ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('pyproject.toml', 'README.md'):
        shutil.copy(project / name, tmp_path / name)
    subprocess.run([sys.executable, '-c', 'from setuptools import setup; setup()', '-q', 'build_py',
                    '-d', str(tmp_path / 'built')], cwd=tmp_path, check=True, capture_output=True)
    built = tmp_path / 'built'
    assert (built / 'autograd' / 'stepper.py').exists()
    for module in ('__init__', 'session', 'settings', 'view', 'pages', 'server', 'widget'):
        assert (built / 'nn' / 'playground' / f'{module}.py').exists(), module
    for package, names in SHIPPED.items():
        for name in names:
            assert (built / package / 'web' / name).read_bytes() == (WEB_FOLDERS[package] / name).read_bytes(), name


def test_web_files_name_no_url_and_load_nothing():
    for path in sorted([*WEB.iterdir(), *NN_WEB.iterdir()]):
        text = path.read_text(encoding='utf-8')
        assert not re.search(r'https?://', text), path.name
        if path.suffix == '.js':
            if path.name not in FETCHES_FROM_ITS_SERVER:
                assert 'fetch(' not in text
            assert 'XMLHttpRequest' not in text and 'import(' not in text
            assert '</' not in text, f'{path.name} would end the <script> it is inlined into'
        if path.suffix == '.css':
            assert '@import' not in text and 'url(' not in text


def test_the_steps_page_inlines_the_web_files_and_fetches_nothing(tmp_path):
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    page = save_steps_html((x * w).tanh(), tmp_path / 'steps.html').read_text(encoding='utf-8')
    assert 'http://' not in page and 'https://' not in page
    assert not re.search(r'\b(src|href)=', page) and '<link' not in page
    assert (WEB / 'stepper.js').read_text(encoding='utf-8') in page
    assert (WEB / 'stepper.css').read_text(encoding='utf-8') in page
    # The palette reaches the page as custom properties, every colour of it.
    palette = json.loads((WEB / 'palette.json').read_text(encoding='utf-8'))
    assert f"--bl-text-background: {palette['text_background']};" in page
    assert f"--bl-cluster-fills-2: {palette['cluster_fills'][1]};" in page
    for key, value in palette.items():
        for colour in (value if isinstance(value, list) else [value]):
            if not key.startswith('_'):
                assert f': {colour};' in page, key
    # Every var(--bl-...) the style uses is defined.
    defined = set(re.findall(r'(--bl-[\w-]+):', page))
    assert set(re.findall(r'var\((--bl-[\w-]+)\)', page)) <= defined
