// The playground page of the static site: the playground's own front end
// (front/playground.js, the same file as the served page and the Jupyter
// widget) with a model that talks to nn.playground in the Web Worker instead
// of a server. Commands go to site_bridge.playground; the state comes back
// with each reply, and while playing the worker sends new ones by itself.

import playground, { Events } from './front/playground.js';
import { Python, reportStart } from './python.js';

// The colours of autograd/web/palette.json (the build copies the file next to this one).
const palette = await fetch(new URL('./front/palette.json', import.meta.url)).then((response) => response.json());
// What the settings' menus offer, as nn.playground.settings.choices() gives it (written by the build).
const choices = await fetch(new URL('./front/choices.json', import.meta.url)).then((response) => response.json());

class WorkerModel extends Events {
  // The interface playground.js expects of a model (get, set, on, off, send),
  // as anywidget's and playground_live.js's.
  constructor() {
    super({ mode: 'live', palette, choices, state: null });
    this.python = new Python({ onEvent: (message) => {
      if (message.type === 'state') this.set('state', message.state);
    } });
  }

  async send(content) {
    let reply;
    try {
      reply = JSON.parse(await this.python.call('playground', JSON.stringify(content)));
    } catch (error) {
      reply = { ok: false, error: error.message };
    }
    const { state, ...rest } = reply;
    this.emit('msg:custom', { type: 'reply', ...rest });
    if (state) this.set('state', state);
  }
}

const model = new WorkerModel();
playground.render({ model, el: document.getElementById('playground') });
reportStart(model.python, document.getElementById('status'))
  .then(() => model.send({ action: 'select', index: 0 }));
