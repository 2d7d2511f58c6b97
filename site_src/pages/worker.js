// The Web Worker behind every page: Pyodide (CPython compiled to WebAssembly)
// with the project's own autograd and nn, so the page never freezes while
// Python works. Messages, page -> worker: {id, call, argument} where call
// names a function of site_bridge.py (site_src/site_bridge.py) and argument
// is JSON text; worker -> page: {id, ok, result | error} for each call, and
// {type: 'state', state} while the playground plays, {type: 'ready'} once
// Python is up. Every file comes from this site's own origin.

import { loadPyodide } from './pyodide/pyodide.mjs';

const CALLS = new Set(['playground', 'draw', 'console_push', 'console_banner']);
const archives = new URL(self.location.href).searchParams.get('with') === 'graphviz'
  ? ['python/backprop_lab.zip', 'python/graphviz-0.21-py3-none-any.whl']
  : ['python/backprop_lab.zip'];

async function start() {
  const [pyodide, ...buffers] = await Promise.all([
    loadPyodide({ indexURL: new URL('./pyodide/', import.meta.url).href }),
    ...archives.map(async (name) => {
      const response = await fetch(new URL(name, import.meta.url));
      if (!response.ok) throw new Error(`could not load ${name} (${response.status})`);
      return response.arrayBuffer();
    }),
  ]);
  const folder = '/home/pyodide/lab';
  buffers.forEach((buffer, k) => {
    pyodide.unpackArchive(buffer, archives[k].endsWith('.whl') ? 'wheel' : 'zip', { extractDir: folder });
  });
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(folder)})`);
  return pyodide.pyimport('site_bridge');
}

const ready = start();
ready.then(() => self.postMessage({ type: 'ready' }),
  (error) => self.postMessage({ type: 'failed', error: String(error && error.message || error) }));

let playing = false;

function train(bridge) {
  // One slice of training, then back to the message queue (a Pause may be waiting).
  if (!playing) return;
  const state = bridge.playground_train();
  if (state !== undefined && state !== null) {
    const parsed = JSON.parse(state);
    playing = parsed.running;
    self.postMessage({ type: 'state', state: parsed });
  }
  if (playing) setTimeout(() => train(bridge), 0);
}

self.onmessage = async (event) => {
  const { id, call, argument } = event.data;
  let bridge;
  try {
    bridge = await ready;
  } catch (error) {
    self.postMessage({ id, ok: false, error: `Python could not start: ${error.message || error}` });
    return;
  }
  if (!CALLS.has(call)) {
    self.postMessage({ id, ok: false, error: `unknown call ${String(call).slice(0, 40)}` });
    return;
  }
  try {
    const result = argument === undefined ? bridge[call]() : bridge[call](argument);
    self.postMessage({ id, ok: true, result });
    if (call === 'playground') {
      const wasPlaying = playing;
      playing = JSON.parse(result).state.running;
      if (playing && !wasPlaying) setTimeout(() => train(bridge), 0);
    }
  } catch (error) {
    // A bug in the Python side: the page shows the last line, never a raw traceback.
    const lines = String(error.message || error).trim().split('\n');
    self.postMessage({ id, ok: false, error: `internal error: ${lines[lines.length - 1]}` });
  }
};
