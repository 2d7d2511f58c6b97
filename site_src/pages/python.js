// The pages' side of the worker (worker.js): start it, and call a function of
// site_bridge.py by name with JSON text, getting a promise of its answer.

export class Python {
  constructor({ graphviz = false, onEvent = () => {} } = {}) {
    const url = new URL('./worker.js', import.meta.url);
    if (graphviz) url.searchParams.set('with', 'graphviz');
    this.worker = new Worker(url, { type: 'module' });
    this.waiting = new Map();
    this.next = 0;
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(message.error));
        else if (message.id !== undefined) {
          const { resolve: done, reject: fail } = this.waiting.get(message.id);
          this.waiting.delete(message.id);
          if (message.ok) done(message.result);
          else fail(new Error(message.error));
        } else onEvent(message);
      };
      this.worker.onerror = (event) => reject(new Error(event.message || 'the worker could not start'));
    });
  }

  call(name, argument) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, call: name, argument });
    });
  }
}

// Shows how long Python took to start, or why it failed, in the element given.
export function reportStart(python, element, started = performance.now()) {
  element.textContent = 'starting Python in your browser…';
  return python.ready.then(() => {
    element.textContent = `Python ready (${((performance.now() - started) / 1000).toFixed(1)} s)`;
    document.body.dataset.python = 'ready';
  }, (error) => {
    element.textContent = `Python could not start: ${error.message}`;
    document.body.dataset.python = 'failed';
    throw error;
  });
}
