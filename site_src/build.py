"""Build site/: the zero-install pages, static files that any web server can serve.

    python site_src/build.py [--out site]        (./lab site runs it)

What goes in, and from where (nothing else; the pages fetch nothing at run
time but these files, from their own origin):

* the pages, their scripts and style: site_src/pages/ as they are;
* the project's own Python, `autograd` and `nn`, zipped from the package
  folders of this checkout at build time (the same files `pip install`
  installs; no copy is kept anywhere in the repository), with
  site_src/site_bridge.py, what the pages' Web Worker calls;
* the front-end files the project's other front ends use: the playground's
  ES module and style (from PLAYGROUND_WEB), the stepper's script and style
  (autograd/web), and the palette as CSS;
* Pyodide (CPython compiled to WebAssembly) and Graphviz compiled to
  WebAssembly (@viz-js/viz), from npm: `npm ci` installs exactly the
  versions of site_src/package-lock.json and checks each tarball against
  the sha512 integrity hash written there;
* the `graphviz` Python package (pure Python; draw.py builds DOT source with
  it), from PyPI: `pip download --require-hashes` with the version and
  sha256 of site_src/requirements.txt;
* the licence of each of those packages, in site/licenses/.

The Python is shipped as bytecode, compiled here once by the same Pyodide
under Node.js (site_src/precompile.mjs): Pyodide's standard library comes as
source, and compiling what Python imports at start-up, in WebAssembly, on
every page load took most of the time before a page could be used (6.6-9.6
s of loadPyodide against 0.8-1.3 s, under node on the test machine). Its
python_stdlib.zip in site/ is therefore the npm file with each module
compiled (about 4.5 MB instead of 2.5 MB); the project's zip keeps its
sources beside the bytecode.

The build writes into a fresh folder next to the output and renames it into
place at the end, so site/ is always a whole build (the old one or the new
one), and a build that fails leaves the old site as it was.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Where the playground's front end (playground.js, playground.css) lives: the
# same files the served page and the Jupyter widget use. The one place to
# change when they move.
PLAYGROUND_WEB = os.path.join(ROOT, 'nn', 'web')
# The stepper's script and style, and the palette (autograd/web).
AUTOGRAD_WEB = os.path.join(ROOT, 'autograd', 'web')
PACKAGES = ('autograd', 'nn')  # the project's Python, as pyproject.toml lists it

NODE_MODULES = os.path.join(HERE, 'node_modules')
PYPI_CACHE = os.path.join(ROOT, 'build', 'site-wheels')

# Pyodide's files that loadPyodide fetches: its loader, the interpreter and
# the standard library. Its other packages (numpy, ...) are not shipped.
PYODIDE_FILES = ('pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip',
                 'pyodide-lock.json')
VIZ_FILE = os.path.join('@viz-js', 'viz', 'dist', 'viz.js')

# npm packages whose tarball ships no licence file: the text of the licence
# each declares (from spdx-license-list, itself pinned in package-lock.json),
# with the copyright line the package states. What they contain is listed too.
LICENCES = {
    'pyodide': {
        'spdx': 'MPL-2.0',
        'notice': 'Pyodide (https://github.com/pyodide/pyodide), the Pyodide contributors.',
        'bundles': [('CPython and its standard library (python_stdlib.zip)', 'PSF-2.0')],
    },
    '@viz-js/viz': {
        'spdx': 'MIT',
        'notice': 'Viz.js, Copyright (c) Michael Daines',
        'bundles': [('Graphviz, compiled to WebAssembly', 'EPL-1.0'), ('Expat', 'MIT')],
    },
}


class BuildError(Exception):
    """A step of the build failed; the message says which and what to do."""


def run(command, cwd, what):
    try:
        subprocess.run(command, cwd=cwd, check=True)
    except FileNotFoundError:
        raise BuildError(f'{what}: {command[0]} is not installed (./lab site installs Node.js and npm)') from None
    except subprocess.CalledProcessError as error:
        raise BuildError(f'{what} failed (exit status {error.returncode}): {" ".join(command)}') from None


def npm_ci():
    """Install the pinned npm packages, unless node_modules already holds this very lock file's."""
    lock = os.path.join(HERE, 'package-lock.json')
    stamp = os.path.join(NODE_MODULES, '.site-lock-sha256')
    digest = _sha256(lock)
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return
    # --ignore-scripts: none of these packages needs an install script, and none is run.
    run(['npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], HERE, 'npm ci (the pinned npm packages)')
    with open(stamp, 'w') as file:
        file.write(digest)


def pypi_wheels():
    """The wheels of site_src/requirements.txt, downloaded once, each checked against its sha256."""
    requirements = os.path.join(HERE, 'requirements.txt')
    os.makedirs(PYPI_CACHE, exist_ok=True)
    run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:',
         '--require-hashes', '-r', requirements, '-d', PYPI_CACHE], ROOT, 'pip download (the pinned wheels)')
    wanted = {}
    for line in open(requirements):
        line = line.split('#')[0].strip()
        if line.startswith('--') or not line:
            continue
        requirement = line.split()[0].rstrip('\\')
        name, _, version = requirement.partition('==')
        wanted[name.lower().replace('-', '_')] = (version, line.split('--hash=sha256:')[1].split()[0])
    wheels = []
    for name, (version, sha256) in wanted.items():
        path = os.path.join(PYPI_CACHE, f'{name}-{version}-py3-none-any.whl')
        if not os.path.exists(path) or _sha256(path) != sha256:  # pip checked it; so does the build
            raise BuildError(f'{path} is missing or does not match its sha256 in requirements.txt')
        wheels.append(path)
    return wheels


def project_zip(destination):
    """Zip the project's packages (every file but caches) and the bridge, as Python imports them."""
    with zipfile.ZipFile(destination, 'w', zipfile.ZIP_DEFLATED) as archive:
        for package in PACKAGES:
            for folder, subfolders, files in os.walk(os.path.join(ROOT, package)):
                subfolders[:] = sorted(name for name in subfolders if name != '__pycache__')
                for name in sorted(files):
                    if name.endswith(('.pyc', '.pyo')):
                        continue
                    path = os.path.join(folder, name)
                    archive.write(path, os.path.relpath(path, ROOT))
        archive.write(os.path.join(HERE, 'site_bridge.py'), 'site_bridge.py')


def palette_css():
    """palette.json as CSS custom properties for the stepper (the stepper's own function)."""
    sys.path.insert(0, ROOT)
    try:
        from autograd.stepper import palette_css
    finally:
        sys.path.remove(ROOT)
    return palette_css() + '\n'


def menu_choices():
    """What the playground's menus offer, as nn.playground sends it to a page
    (nn.playground.settings.choices): the page builds its menus before the
    worker's Python is up, so the build writes them next to the front end."""
    sys.path.insert(0, ROOT)
    try:
        from nn.playground.settings import choices
    finally:
        sys.path.remove(ROOT)
    return choices()


def licences(destination):
    os.makedirs(destination)
    texts = os.path.join(NODE_MODULES, 'spdx-license-list', 'licenses')

    def text(spdx):
        with open(os.path.join(texts, f'{spdx}.json'), encoding='utf-8') as file:
            return json.load(file)['licenseText']

    written = []
    for package, facts in LICENCES.items():
        with open(os.path.join(NODE_MODULES, package, 'package.json'), encoding='utf-8') as file:
            meta = json.load(file)
        if meta.get('license') != facts['spdx']:
            raise BuildError(f'{package} {meta["version"]} now declares the licence {meta.get("license")!r}, '
                             f'not {facts["spdx"]}: check it and update LICENCES in site_src/build.py')
        parts = [f'{package} {meta["version"]} (npm), licence {facts["spdx"]}', facts['notice'],
                 'Its npm package ships no licence file; this is the text of the licence it declares.', '',
                 text(facts['spdx'])]
        for what, spdx in facts['bundles']:
            parts += ['', '=' * 72, f'It contains {what}, licence {spdx}:', '', text(spdx)]
        name = package.replace('/', '_').lstrip('@') + '.txt'
        _write(os.path.join(destination, name), '\n'.join(parts) + '\n')
        written.append(name)
    return written


def build(out):
    """Build the site into `out` (replaced as a whole at the end); return its size in bytes."""
    npm_ci()
    wheels = pypi_wheels()
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.site-new-', dir=parent)
    try:
        shutil.copytree(os.path.join(HERE, 'pages'), staging, dirs_exist_ok=True)
        python = os.path.join(staging, 'python')
        os.makedirs(python)
        sources = os.path.join(staging, 'project-sources.zip')
        project_zip(sources)
        for wheel in wheels:
            shutil.copy(wheel, python)
        pyodide = os.path.join(staging, 'pyodide')
        os.makedirs(pyodide)
        for name in PYODIDE_FILES:
            if name != 'python_stdlib.zip':
                shutil.copy(os.path.join(NODE_MODULES, 'pyodide', name), pyodide)
        run(['node', os.path.join(HERE, 'precompile.mjs'), os.path.join(NODE_MODULES, 'pyodide') + os.sep,
             os.path.join(NODE_MODULES, 'pyodide', 'python_stdlib.zip'), os.path.join(pyodide, 'python_stdlib.zip'),
             sources, os.path.join(python, 'backprop_lab.zip')], HERE, 'compiling the Python to bytecode')
        os.remove(sources)
        os.makedirs(os.path.join(staging, 'vendor'))
        shutil.copy(os.path.join(NODE_MODULES, VIZ_FILE), os.path.join(staging, 'vendor', 'viz.js'))
        front = os.path.join(staging, 'front')
        os.makedirs(front)
        # playground.js imports ./network.js (the network view); both styles are linked.
        for name in ('playground.css', 'network.js', 'network.css'):
            shutil.copy(os.path.join(PLAYGROUND_WEB, name), front)
        # The front end is two files made one script, as nn.playground.pages.front_end() does.
        scripts = []
        for name in ('playground_touch.js', 'playground.js'):
            with open(os.path.join(PLAYGROUND_WEB, name), encoding='utf-8') as file:
                scripts.append(file.read())
        _write(os.path.join(front, 'playground.js'), '\n'.join(scripts))
        # The palette without its comment keys, as nn.playground sends it to the page.
        with open(os.path.join(AUTOGRAD_WEB, 'palette.json'), encoding='utf-8') as file:
            palette = {name: value for name, value in json.load(file).items() if not name.startswith('_')}
        _write(os.path.join(front, 'palette.json'), json.dumps(palette))
        _write(os.path.join(front, 'choices.json'), json.dumps(menu_choices()))
        for name in ('stepper.js', 'stepper.css'):
            shutil.copy(os.path.join(AUTOGRAD_WEB, name), front)
        _write(os.path.join(front, 'stepper-palette.css'), palette_css())
        names = licences(os.path.join(staging, 'licenses'))
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if '/licenses/' in member or member.endswith(('/LICENSE', '/LICENSE.txt')):
                        name = os.path.basename(wheel).split('-')[0] + '.txt'
                        _write(os.path.join(staging, 'licenses', name), archive.read(member).decode('utf-8'))
                        names.append(name)
        manifest = {'python': sorted(os.listdir(python)), 'licenses': sorted(names),
                    'npm': _npm_versions()}
        _write(os.path.join(staging, 'build.json'), json.dumps(manifest, indent=1) + '\n')
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix='.site-old-', dir=parent)
            os.rename(out, os.path.join(old, 'site'))
        os.rename(staging, out)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, files in os.walk(out) for name in files)


def _npm_versions():
    with open(os.path.join(HERE, 'package-lock.json'), encoding='utf-8') as file:
        lock = json.load(file)
    return {path.split('node_modules/')[-1]: {'version': entry['version'], 'integrity': entry['integrity']}
            for path, entry in lock['packages'].items() if path}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _write(path, text):
    with open(path, 'w', encoding='utf-8') as file:
        file.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Build the static site (site/).')
    parser.add_argument('--out', default=os.path.join(ROOT, 'site'), help='the folder to build (default: site/)')
    arguments = parser.parse_args(argv)
    try:
        size = build(arguments.out)
    except BuildError as error:
        print(f'site: error: {error}', file=sys.stderr)
        return 1
    print(f'built {os.path.relpath(arguments.out)}: {size / 1e6:.1f} MB')
    return 0


if __name__ == '__main__':
    sys.exit(main())
