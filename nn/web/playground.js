// The playground's front end: one ES module for the Jupyter widget (anywidget
// calls render({ model, el })), for the page `python -m nn playground` serves
// (playground_live.js starts it there with a model over HTTP/JSON), and for
// the page `Playground.save_html` writes (the end of this file starts it with
// a model over the recorded frames; that page loads nothing else).
//
// The model holds `mode` ('live' or 'recording'), `palette` (autograd/web/
// palette.json), `choices` (what the settings' menus offer) and `state`
// (Playground.state() plus `running`). The page
// sends commands with model.send({action: ...}) and hears the reply as a
// 'msg:custom' message {type: 'reply', ok, error}. Everything drawn comes from
// the state; the layout of the graph is computed in Python, so a new frame
// only changes numbers and colours.

import { networkView } from './network.js'; // the network view (nn/web/network.js)
// The SVG namespace, as the HTML parser assigns it (rather than spelled out as a URL).
const SVG = typeof document === 'undefined' ? null : (() => {
  const holder = document.createElement('div');
  holder.innerHTML = '<svg/>';
  return holder.firstChild.namespaceURI;
})();

function make(tag, attributes = {}, parent = null, namespace = null) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function svg(tag, attributes = {}, parent = null) {
  return make(tag, attributes, parent, SVG);
}

function formatNumber(x, digits = 4) {
  if (x === null || x === undefined) return 'n/a';
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(2);
  return x.toFixed(digits);
}

function shortNumber(x) {
  if (x === null || x === undefined) return 'n/a';
  return Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(2) : x.toExponential(0);
}

// 'layers.0.neurons.3.w.1' -> 'L0 N3 w1', as the graph labels neurons.
function shortName(name) {
  const match = /^layers\.(\d+)\.neurons\.(\d+)\.(w\.(\d+)|b)$/.exec(name);
  if (!match) return name;
  return `L${match[1]} N${match[2]} ${match[4] === undefined ? 'b' : `w${match[4]}`}`;
}

function hexToRgb(hex) {
  const value = parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function mix(hex, strength) {
  // From white (strength 0) to the colour (strength 1).
  const rgb = hexToRgb(hex).map((channel) => Math.round(255 + (channel - 255) * strength));
  return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}

// As draw_dot(color_grads=True): white for 0, towards the palette's positive
// or negative colour by the square root of |grad| / the largest |grad|.
function gradStrength(grad, largest) {
  if (grad === null || grad === undefined) return 0;
  return largest > 0 ? Math.min(1, Math.sqrt(Math.abs(grad) / largest)) : 0;
}

function gradColor(grad, largest, palette) {
  if (grad === null || grad === undefined) return palette.nan;
  const strength = gradStrength(grad, largest);
  return mix(grad > 0 ? palette.positive : palette.negative, strength);
}

function largestAbs(values) {
  let largest = 0;
  for (const x of values) if (x !== null && Math.abs(x) > largest) largest = Math.abs(x);
  return largest;
}

function classColors(palette) {
  // The palette's class colours: never the gradient-sign colours (one palette, one meaning each).
  return palette.class_colors;
}

// ---------------------------------------------------------------------------
// The panels

function buildToolbar(root, mode) {
  const bar = make('div', { class: 'pg-bar' }, root);
  const play = make('button', { class: 'pg-play', type: 'button', text: 'Play' }, bar);
  const step = make('button', { class: 'pg-stepper', type: 'button', text: 'Step' }, bar);
  const reset = make('button', { class: 'pg-reset', type: 'button', text: 'Reset' }, bar);
  const status = make('div', { class: 'pg-status', 'aria-live': 'polite' }, bar);
  // Filled in from the first state: until then, nothing that looks like one.
  const stepText = make('span', { class: 'pg-step-count', text: 'loading…' }, status);
  const lossText = make('span', { class: 'pg-loss', text: '' }, status);
  const accuracyText = make('span', { class: 'pg-accuracy', text: '' }, status);
  let slider = null;
  if (mode === 'recording') {
    const label = make('label', { class: 'pg-slider-label', text: 'frame ' }, bar);
    slider = make('input', { class: 'pg-slider', type: 'range', min: '0', max: '0', value: '0' }, label);
  }
  return { play, step, reset, stepText, lossText, accuracyText, slider };
}

// The menus offer what Python sends as `choices` (nn/playground/settings.py):
// {dataset: [...], activation: [...], loss: [...], optimizer: [...]}.
function buildSettings(root, choices) {
  const form = make('form', { class: 'pg-settings' }, root);
  const fields = {};
  const field = (name, label, control) => {
    const wrapper = make('label', { class: `pg-field pg-field-${name}` }, form);
    make('span', { text: label }, wrapper);
    wrapper.appendChild(control);
    fields[name] = control;
  };
  field('lr', 'learning rate', make('input', { name: 'lr', type: 'text', size: '5', inputmode: 'decimal' }));
  for (const [name, options] of Object.entries(choices)) {
    const select = make('select', { name });
    for (const option of options) make('option', { value: option, text: option }, select);
    field(name, name, select);
  }
  field('hidden', 'hidden layers', make('input', { name: 'hidden', type: 'text', size: '6' }));
  field('batch_size', 'batch', make('input', { name: 'batch_size', type: 'text', size: '3', placeholder: 'all' }));
  addMoreFields(field); // playground_touch.js
  const apply = make('button', { class: 'pg-apply', type: 'submit', text: 'Apply' }, form);
  return { form, fields, apply };
}

function settingText(name, value) {
  if (name === 'hidden') return value.join(',');
  if (value === null || value === undefined) return '';
  return String(value);
}

class BoundaryPanel {
  constructor(parent, onSelect) {
    this.size = 360;
    const box = make('div', { class: 'pg-boundary' }, parent);
    this.canvas = make('canvas', { width: '60', height: '60', class: 'pg-boundary-image' }, box);
    this.overlay = svg('svg', { class: 'pg-points', viewBox: `0 0 ${this.size} ${this.size}` }, box);
    this.onSelect = onSelect;
    this.key = null;
  }

  draw(state, palette) {
    const boundary = state.boundary;
    const colors = classColors(palette).map(hexToRgb);
    const n = boundary.size;
    if (this.canvas.width !== n) this.canvas.width = this.canvas.height = n;
    const context = this.canvas.getContext('2d');
    const image = context.createImageData(n, n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const cell = 2 * (j * n + i);
        const rgb = colors[Number(boundary.cells[cell]) % colors.length];
        const strength = 0.12 + 0.05 * Number(boundary.cells[cell + 1]);
        const at = 4 * ((n - 1 - j) * n + i); // rows come from the bottom
        for (let c = 0; c < 3; c++) image.data[at + c] = Math.round(255 + (rgb[c] - 255) * strength);
        image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    this.drawPoints(state, palette);
  }

  drawPoints(state, palette) {
    const { x: points, labels } = state.points;
    const [x0, x1] = state.boundary.x;
    const [y0, y1] = state.boundary.y;
    const key = `${x0},${x1},${y0},${y1},${points.length},${points[0]},${state.points.version}`;
    if (key !== this.key) {
      this.key = key;
      this.overlay.replaceChildren();
      const colors = classColors(palette);
      this.circles = points.map((point, index) => {
        const cx = ((point[0] - x0) / (x1 - x0)) * this.size;
        const cy = (1 - (point[1] - y0) / (y1 - y0)) * this.size;
        const circle = svg('circle', {
          cx: cx.toFixed(1), cy: cy.toFixed(1), r: '5.5', class: 'pg-point',
          fill: colors[labels[index] % colors.length], 'data-index': String(index),
        }, this.overlay);
        svg('title', { text: `point ${index}: (${point[0].toFixed(2)}, ${point[1].toFixed(2)}), class ${labels[index]}` }, circle);
        circle.addEventListener('click', () => this.onSelect(networkView.pointToSelect(this.circles, index, this.selected))); // network view
        return circle;
      });
    }
    this.selected = state.selected; // network view: overlapping points
    this.circles.forEach((circle, index) => circle.classList.toggle('pg-selected', index === state.selected));
    const selected = this.circles[state.selected];
    if (selected && this.overlay.lastChild !== selected) this.overlay.appendChild(selected); // on top
  }
}

class CurvesPanel {
  constructor(parent) {
    this.canvas = make('canvas', { class: 'pg-curves' }, parent);
  }

  draw(state, palette) {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 360;
    const height = canvas.clientHeight || 180;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const { step: steps, loss, accuracy } = state.history;
    const left = 44, right = 44, top = 10, bottom = 24;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    context.font = '13px system-ui, sans-serif';
    context.strokeStyle = palette.muted;
    context.strokeRect(left, top, plotWidth, plotHeight);
    const finite = loss.concat(state.history.test_loss || []).filter((x) => x !== null);
    const largest = finite.length ? Math.max(...finite) : 1;
    const lastStep = steps.length ? steps[steps.length - 1] : 1;
    const xOf = (s) => left + (plotWidth * s) / Math.max(1, lastStep);
    const line = (values, top_value, color, dash) => {
      context.beginPath();
      context.setLineDash(dash);
      context.strokeStyle = color;
      context.lineWidth = 2;
      let started = false;
      values.forEach((value, k) => {
        if (value === null) return;
        const x = xOf(steps[k]);
        const y = top + plotHeight * (1 - value / (top_value || 1));
        if (started) context.lineTo(x, y);
        else context.moveTo(x, y);
        started = true;
      });
      context.stroke();
      context.setLineDash([]);
    };
    line(loss, largest, '#333333', []);
    line(accuracy, 1, palette.updated_border, [6, 4]);
    context.fillStyle = '#333333';
    context.textAlign = 'right';
    context.fillText(formatNumber(largest, 2), left - 4, top + 10);
    context.fillText('0', left - 4, top + plotHeight);
    context.textAlign = 'left';
    context.fillStyle = palette.updated_border;
    context.fillText('100%', left + plotWidth + 4, top + 10);
    context.fillStyle = '#333333';
    context.fillText('— loss', left, height - 6);
    context.fillStyle = palette.updated_border;
    context.fillText('- - accuracy', left + 56, height - 6);
    drawTestLoss(state, line, largest, context, palette, left + plotWidth - 4, top + plotHeight / 2); // playground_touch.js
    context.fillStyle = '#333333';
    context.textAlign = 'right';
    context.fillText(`step ${lastStep}`, left + plotWidth, height - 6);
  }
}

class GraphPanel {
  constructor(parent) {
    this.box = make('div', { class: 'pg-graph' }, parent);
    this.key = null;
  }

  draw(graph, palette) {
    const key = `${graph.full}|${graph.width}|${graph.height}|${graph.nodes.map((n) => n.label).join(',')}`;
    if (key !== this.key) this.build(graph, key);
    // Shrink to the panel's width, but never below 80%: then it scrolls.
    const available = this.box.clientWidth - 4;
    const scale = available > 0 ? Math.max(0.75, Math.min(1, available / this.naturalWidth)) : 1;
    if (scale !== this.scale) {
      this.scale = scale;
      this.drawing.setAttribute('width', String(Math.floor(this.naturalWidth * scale)));
      this.drawing.setAttribute('height', String(Math.floor(this.naturalHeight * scale)));
    }
    const largest = largestAbs(graph.nodes.map((node) => node.grad));
    graph.nodes.forEach((node, k) => {
      const shape = this.shapes[k];
      shape.rect.setAttribute('fill', gradColor(node.grad, largest, palette));
      shape.rect.classList.toggle('pg-strong', gradStrength(node.grad, largest) > 0.75);
      shape.data.textContent = `data ${formatNumber(node.data)}`;
      shape.grad.textContent = `grad ${formatNumber(node.grad)}`;
    });
  }

  build(graph, key) {
    this.key = key;
    this.box.replaceChildren();
    const pad = 6;
    this.naturalWidth = graph.width + 2 * pad;
    this.naturalHeight = graph.height + 2 * pad;
    this.scale = null;
    const drawing = this.drawing = svg('svg', {
      class: 'pg-graph-svg', width: String(graph.width + 2 * pad), height: String(graph.height + 2 * pad),
      viewBox: `${-pad} ${-pad} ${graph.width + 2 * pad} ${graph.height + 2 * pad}`,
    }, this.box);
    const width = graph.node_width, height = graph.node_height;
    const edges = svg('g', { class: 'pg-edges' }, drawing);
    for (const [tail, head, count] of graph.edges) {
      const a = graph.nodes[tail], b = graph.nodes[head];
      const x1 = a.x + width, y1 = a.y + height / 2, x2 = b.x, y2 = b.y + height / 2;
      const middle = (x1 + x2) / 2;
      const path = svg('path', { d: `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}` }, edges);
      if (count > 1) svg('title', { text: `${count} edges` }, path);
    }
    this.shapes = graph.nodes.map((node) => {
      const group = svg('g', { class: `pg-node pg-node-${node.kind}`, transform: `translate(${node.x},${node.y})` }, drawing);
      svg('title', { text: node.op ? `${node.name || node.label} (${node.op})` : (node.name || node.label || 'value') }, group);
      const rect = svg('rect', { width: String(width), height: String(height), rx: '5' }, group);
      const title = node.label || node.op || 'value';
      svg('text', { x: '6', y: '14', class: 'pg-node-label', text: title }, group);
      const data = svg('text', { x: '6', y: '29' }, group);
      const grad = svg('text', { x: '6', y: '44' }, group);
      return { rect, data, grad };
    });
  }
}

class ParameterPanel {
  constructor(parent) {
    this.layers = make('table', { class: 'pg-layers' }, parent);
    make('p', { class: 'pg-hint', text: 'mean ± sd over the batch; dead: ReLU output 0 on every point; '
      + 'saturated: tanh or sigmoid flat on 90% of them' }, parent);
    make('h3', { text: 'Parameters' }, parent);
    const scroller = this.scroller = make('div', { class: 'pg-params' }, parent);
    this.table = make('table', { class: 'pg-param-table' }, scroller);
    this.key = null;
    scroller.addEventListener('scroll', () => this.state && this.fill(this.state, this.palette));
  }

  draw(state, palette) {
    this.drawLayers(state.layers);
    const p = state.parameters;
    const key = p.name.join(',') + (p.v ? '|v' : '');
    if (key !== this.key) {
      this.key = key;
      this.table.replaceChildren();
      const head = make('tr', {}, make('thead', {}, this.table));
      const secondName = p.v ? 'Adam v' : '';
      for (const name of ['name', 'value', 'grad', p.v ? 'Adam m' : 'velocity', secondName]) {
        if (name) make('th', { text: name }, head);
      }
      const body = make('tbody', {}, this.table);
      this.rows = p.name.map((name) => {
        const row = make('tr', {}, body);
        make('td', { text: shortName(name), title: name, class: 'pg-param-name' }, row);
        const cells = [make('td', {}, row), make('td', {}, row), make('td', {}, row)];
        if (p.v) cells.push(make('td', {}, row));
        return cells;
      });
    }
    this.state = state;
    this.palette = palette;
    this.fill(state, palette);
  }

  fill(state, palette) {
    // Only the rows in view (and a few around them) get new numbers: hundreds of
    // rows rewritten per frame would cost the page more than the whole graph.
    const p = state.parameters;
    const largest = largestAbs(p.grad);
    const rowHeight = this.rows.length ? this.rows[0][0].parentNode.offsetHeight || 20 : 20;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / rowHeight) - 5);
    const last = Math.min(this.rows.length, first + Math.ceil(this.scroller.clientHeight / rowHeight) + 10);
    for (let i = first; i < last; i++) {
      const cells = this.rows[i];
      cells[0].textContent = formatNumber(p.value[i]);
      cells[1].textContent = formatNumber(p.grad[i]);
      cells[1].style.backgroundColor = gradColor(p.grad[i], largest, palette);
      cells[2].textContent = p.m ? formatNumber(p.m[i]) : '';
      if (cells[3]) cells[3].textContent = formatNumber(p.v[i]);
    }
  }

  drawLayers(layers) {
    this.layers.replaceChildren();
    const head = make('tr', {}, make('thead', {}, this.layers));
    for (const name of ['layer', 'outputs', 'their grads', 'units']) make('th', { text: name }, head);
    const body = make('tbody', {}, this.layers);
    if (!layers.length) {
      make('td', { colspan: '4', text: 'statistics appear after the first step' }, make('tr', {}, body));
    }
    for (const layer of layers) {
      const row = make('tr', {}, body);
      make('td', { text: `L${layer.name.split('.')[1]}`, title: layer.name }, row);
      make('td', { text: `${shortNumber(layer.mean)} ± ${shortNumber(layer.std)}` }, row);
      make('td', { text: `${shortNumber(layer.grad_mean)} ± ${shortNumber(layer.grad_std)}` }, row);
      const flagged = layer.flagged.length;
      make('td', { text: `${flagged}/${layer.units} ${layer.flag}`, class: flagged ? 'pg-warn' : '' }, row);
    }
  }
}

// ---------------------------------------------------------------------------
// render: what anywidget calls, and what the page calls with its own model

function render({ model, el }) {
  const mode = model.get('mode') || 'live';
  const root = make('div', { class: 'pg' }, el);
  for (const [name, color] of Object.entries(model.get('palette') || {})) {
    if (typeof color === 'string') root.style.setProperty(`--pg-${name.replace(/_/g, '-')}`, color);
  }
  const bar = buildToolbar(root, mode);
  const settings = mode === 'live' ? buildSettings(root, model.get('choices') || {}) : null;
  const message = make('div', { class: 'pg-message', role: 'alert' }, root);
  message.hidden = true;
  const panels = make('div', { class: 'pg-panels' }, root);
  const left = make('section', { class: 'pg-panel pg-left' }, panels);
  make('h3', { text: 'Decision boundary' }, left);
  const boundary = new BoundaryPanel(left, (index) => {
    if (mode === 'live') model.send({ action: 'select', index });
  });
  make('p', { class: 'pg-hint', text: mode === 'live' ? 'click a point to see its graph' : 'a recording: move the slider' }, left);
  make('h3', { text: 'Loss and accuracy' }, left);
  const curves = new CurvesPanel(left);
  const middle = make('section', { class: 'pg-panel pg-middle' }, panels);
  const network = new networkView.NetworkPanel(middle, { send: (content) => model.send(content), mode }); // network view
  const graphHead = make('div', { class: 'pg-graph-head' }, middle);
  const graphTitle = make('h3', { class: 'pg-graph-title', text: 'Graph' }, graphHead);
  let fullBox = null;
  if (mode === 'live') {
    const label = make('label', { class: 'pg-full' }, graphHead);
    fullBox = make('input', { type: 'checkbox', class: 'pg-full-graph' }, label);
    label.append(' every operation');
    fullBox.addEventListener('change', () => model.send({ action: 'graph', full: fullBox.checked }));
  }
  const graph = new GraphPanel(middle);
  const right = make('section', { class: 'pg-panel pg-right' }, panels);
  make('h3', { text: 'Hidden layers in the last step' }, right);
  const parameters = new ParameterPanel(right);
  const touch = new Touch({ model, mode, boundary, bar, right }); // playground_touch.js

  let state = null;
  let shownSettings = null;
  let pending = false;

  function showMessage(text) {
    message.textContent = text || '';
    message.hidden = !text;
  }

  function draw() {
    pending = false;
    state = model.get('state');
    if (!state || !state.boundary) return;
    const palette = model.get('palette');
    bar.play.textContent = state.running ? 'Pause' : 'Play';
    bar.play.classList.toggle('pg-running', Boolean(state.running));
    bar.stepText.textContent = `step ${state.step}`;
    bar.lossText.textContent = `loss ${formatNumber(state.loss)}`;
    bar.accuracyText.textContent = state.accuracy === null ? '' : `accuracy ${(100 * state.accuracy).toFixed(1)}%`;
    if (bar.slider) {
      bar.slider.max = String(Math.max(0, (model.get('frame_count') || 1) - 1));
      bar.slider.value = String(model.get('frame') || 0);
    }
    if (state.message) showMessage(state.message);
    if (settings) {
      const text = JSON.stringify(state.settings);
      if (text !== shownSettings) { // only when they change: never under the user's cursor
        shownSettings = text;
        for (const [name, control] of Object.entries(settings.fields)) {
          control.value = settingText(name, state.settings[name]);
        }
      }
    }
    boundary.draw(state, palette);
    curves.draw(state, palette);
    const g = state.graph;
    graphTitle.textContent = `Graph of point ${g.point}'s loss`;
    if (fullBox) fullBox.checked = g.full;
    graph.draw(g, palette);
    network.draw(state, palette); // network view
    parameters.draw(state, palette);
    touch.draw(state, palette);
  }

  function schedule() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  }

  function onMessage(content) {
    if (content && content.type === 'reply') showMessage(content.ok ? '' : content.error);
    if (content && content.type === 'reply') touch.onReply();
    // A refused setting changed nothing: the fields show the values in force again.
    if (content && content.type === 'reply' && !content.ok) { shownSettings = null; schedule(); }
  }

  bar.play.addEventListener('click', () => {
    model.send({ action: bar.play.textContent === 'Pause' ? 'pause' : 'play' });
  });
  bar.step.addEventListener('click', () => model.send({ action: 'step' }));
  bar.reset.addEventListener('click', () => model.send({ action: 'reset' }));
  if (bar.slider) {
    bar.slider.addEventListener('input', () => {
      model.set('frame', Number(bar.slider.value));
      model.save_changes();
    });
  }
  if (settings) {
    settings.form.addEventListener('submit', (event) => {
      event.preventDefault();
      // Only what the user changed: the page sends text, Python checks it.
      const changed = {};
      for (const [name, control] of Object.entries(settings.fields)) {
        const current = state ? settingText(name, state.settings[name]) : null;
        if (control.value.trim() !== current) changed[name] = control.value.trim();
      }
      if (Object.keys(changed).length) model.send({ action: 'configure', settings: changed });
    });
  }
  model.on('change:state', schedule);
  model.on('change:frame', schedule);
  model.on('msg:custom', onMessage);
  schedule();
  return () => {
    model.off('change:state', schedule);
    model.off('change:frame', schedule);
    model.off('msg:custom', onMessage);
  };
}

export default { render };
export { Events };

// ---------------------------------------------------------------------------
// The pages' models: the same interface as anywidget's (get, set,
// save_changes, on, off, send); the one over HTTP is in playground_live.js.

class Events {
  constructor(values) {
    this.values = values;
    this.listeners = new Map();
  }

  get(name) { return this.values[name]; }
  set(name, value) { this.values[name] = value; this.emit(`change:${name}`, value); }
  save_changes() {}

  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }

  off(event, callback) {
    if (this.listeners.has(event)) this.listeners.get(event).delete(callback);
  }

  emit(event, value) {
    for (const callback of this.listeners.get(event) || []) callback(value);
  }
}

class RecordingModel extends Events {
  // A saved run: commands move through the frames instead of training.
  constructor(boot) {
    super({ mode: 'recording', palette: boot.palette, state: null, frame: 0, frame_count: boot.frames.length });
    this.frames = boot.frames;
    this.timer = null;
    this.show(0);
    this.on('change:frame', () => this.show(this.values.frame));
  }

  show(index) {
    const frame = Math.max(0, Math.min(this.frames.length - 1, index));
    this.values.frame = frame;
    this.set('state', { ...this.frames[frame], running: this.timer !== null });
  }

  send(content) {
    const action = content.action;
    if (action === 'play') {
      if (this.values.frame >= this.frames.length - 1) this.values.frame = 0;
      this.timer = setInterval(() => {
        if (this.values.frame >= this.frames.length - 1) this.send({ action: 'pause' });
        else this.show(this.values.frame + 1);
      }, 150);
      this.show(this.values.frame);
    } else if (['pause', 'step', 'reset'].includes(action)) {
      clearInterval(this.timer);
      this.timer = null;
      this.show({ pause: this.values.frame, step: this.values.frame + 1, reset: 0 }[action]);
    }
    this.emit('msg:custom', { type: 'reply', ok: true });
  }
}

const bootElement = typeof document === 'undefined' ? null : document.getElementById('playground-boot');
if (bootElement) {
  const boot = JSON.parse(bootElement.textContent);
  if (boot.mode === 'recording') render({ model: new RecordingModel(boot), el: document.getElementById('playground') });
}
