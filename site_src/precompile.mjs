// Compile the site's Python to bytecode once, at build time, with the very
// Pyodide the pages run: site_src/build.py calls
//
//     node precompile.mjs PYODIDE_DIR STDLIB_IN STDLIB_OUT PROJECT_IN PROJECT_OUT
//
// Pyodide ships its standard library as source, so every page used to compile
// what Python imports at start-up, in WebAssembly, before anything else:
// measured under node on the 2-core test machine, loadPyodide took 6.6-9.6 s
// with the source and 0.8-1.3 s with this bytecode. Each .pyc is
// hash-based and unchecked (PEP 552): Python loads it without looking at a
// source file or a timestamp, so it is valid however the files are unpacked.
// The standard library keeps bytecode only (zipimport reads `x.pyc` in
// place of `x.py`); the project's zip keeps its sources (tracebacks in the
// console show their lines) with the bytecode in __pycache__, where Python
// looks for it once the zip is unpacked into a folder.

import { readFileSync, writeFileSync } from 'node:fs';
import { loadPyodide } from 'pyodide';

const [pyodideDir, stdlibIn, stdlibOut, projectIn, projectOut] = process.argv.slice(2);
const pyodide = await loadPyodide({ indexURL: pyodideDir });
pyodide.FS.writeFile('/tmp/stdlib.zip', new Uint8Array(readFileSync(stdlibIn)));
pyodide.FS.writeFile('/tmp/project.zip', new Uint8Array(readFileSync(projectIn)));
pyodide.runPython(`
import importlib.util
import marshal
import sys
import zipfile


def bytecode(source, name):
    """An unchecked hash-based .pyc of source (PEP 552: flags 0b01)."""
    code = compile(source, name, 'exec', dont_inherit=True)
    return (importlib.util.MAGIC_NUMBER + (0b01).to_bytes(4, 'little')
            + importlib.util.source_hash(source) + marshal.dumps(code))


def precompile(path_in, path_out, keep_sources):
    with zipfile.ZipFile(path_in) as source, zipfile.ZipFile(path_out, 'w', zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if not info.filename.endswith('.py'):
                out.writestr(info, data)
                continue
            try:
                compiled = bytecode(data, info.filename)
            except SyntaxError:  # a test file of the standard library meant not to compile
                out.writestr(info, data)
                continue
            if keep_sources:
                out.writestr(info, data)
                folder, _, name = info.filename.rpartition('/')
                cached = f'{folder}/__pycache__/' if folder else '__pycache__/'
                out.writestr(cached + f'{name[:-3]}.{sys.implementation.cache_tag}.pyc', compiled)
            else:
                out.writestr(info.filename + 'c', compiled)


precompile('/tmp/stdlib.zip', '/tmp/stdlib_out.zip', keep_sources=False)
precompile('/tmp/project.zip', '/tmp/project_out.zip', keep_sources=True)
`);
writeFileSync(stdlibOut, pyodide.FS.readFile('/tmp/stdlib_out.zip'));
writeFileSync(projectOut, pyodide.FS.readFile('/tmp/project_out.zip'));
