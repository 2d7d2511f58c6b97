// The live page of `python -m nn playground`: the playground's front end
// (playground.js) with a model that talks to the server that served it.
// Only this page's own origin is ever asked: GET /api/state, POST /api/command
// (nn/playground/__init__.py documents both).

import playground, { Events } from './playground.js';

class ServerModel extends Events {
  // Polls GET /api/state (answered at once, with the state only if it is new)
  // and sends commands with POST /api/command; every tab shares the session.
  constructor(boot) {
    // address: the page's address carries the settings (playground_touch.js).
    super({ mode: 'live', palette: boot.palette, choices: boot.choices, state: null, address: true });
    this.version = -1;
    this.failed = false;
  }

  async send(content) {
    let reply;
    try {
      const response = await fetch('/api/command', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(content),
      });
      reply = await response.json();
    } catch (error) {
      reply = { ok: false, error: 'the playground server does not answer (was it stopped?)' };
    }
    this.emit('msg:custom', { type: 'reply', ...reply });
    await this.poll();
  }

  async poll() {
    try {
      const response = await fetch(`/api/state?since=${this.version}`);
      const data = await response.json();
      if (this.failed) this.emit('msg:custom', { type: 'reply', ok: true });
      this.failed = false;
      if (data.state && data.version !== this.version) {
        this.version = data.version;
        this.set('state', data.state);
      }
    } catch (error) {
      if (!this.failed) {
        this.emit('msg:custom', { type: 'reply', ok: false, error: 'the playground server does not answer (was it stopped?)' });
      }
      this.failed = true;
    }
  }

  async start() {
    for (;;) {
      await this.poll();
      const state = this.values.state;
      // Fast while training, slowly while paused (another tab may change it).
      await new Promise((resolve) => setTimeout(resolve, state && state.running ? 80 : 400));
    }
  }
}

const boot = JSON.parse(document.getElementById('playground-boot').textContent);
const model = new ServerModel(boot);
playground.render({ model, el: document.getElementById('playground') });
model.start();
