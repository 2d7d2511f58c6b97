// The network view: one data point's network, from the whole net down to one
// multiplication, drawn from the state nn/network.py makes (`network`, a list
// of layers of neurons, and `network_point`). Every number shown was read by
// Python from the scalar graph of that point's loss; this file only draws.
//
// Three levels and a walk:
//   network    neurons in index order, each a heatmap of its output over the
//              input plane and its activation; every weight an edge, width by
//              |weight|, colour by sign (or, switched, by d loss / d weight);
//   neuron     (click a neuron) its operations w[k]*x[k], the sums, the
//              activation, with data and grad; a breadcrumb leads back;
//   operation  (click an operation) its local derivatives and the chain-rule
//              line g_parent += local * g_out, in the rule's own words;
//   backward   one layer at a time: delta = sigma'(z) * W^T delta (next layer)
//              and the weight gradient delta a^T, next to the scalar sums.
//
// new networkView.NetworkPanel(parent, { send, mode }) makes the panel;
// panel.draw(state, palette) redraws it. `send({action: 'focus', neuron:
// [layer, index] | null})` asks Python for one neuron's operations (they
// are about 15 kB each, so the state carries only the open neuron's).
// Everything is inside one constant so that a page may inline this file
// next to another module without clashing names.

const networkView = (() => {
  const SVG_NS = typeof document === 'undefined' ? null : (() => {
    const holder = document.createElement('div');
    holder.innerHTML = '<svg/>';
    return holder.firstChild.namespaceURI;
  })();
  const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const LEVELS = 30; // as nn/network.py: ALPHABET[LEVELS + round(LEVELS * v / scale)]

  function el(tag, attributes = {}, parent = null, namespace = null) {
    const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value);
    }
    if (parent) parent.appendChild(node);
    return node;
  }
  const svg = (tag, attributes, parent) => el(tag, attributes, parent, SVG_NS);

  function num(x, digits = 4) {
    if (x === null || x === undefined) return 'n/a';
    if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e5)) return x.toExponential(2);
    return x.toFixed(digits);
  }

  function rgb(hex) {
    const value = parseInt(hex.slice(1), 16);
    return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
  }

  // From white (strength 0) to the colour (strength 1).
  function tint(hex, strength) {
    const c = rgb(hex).map((channel) => Math.round(255 + (channel - 255) * Math.max(0, Math.min(1, strength))));
    return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  }

  function signColor(x, palette, byGradient) {
    if (x === null || x === undefined) return palette.nan;
    if (byGradient) return x > 0 ? palette.positive : x < 0 ? palette.negative : palette.muted;
    return x >= 0 ? palette.value_positive : palette.value_negative;
  }

  function largest(values) {
    let top = 0;
    for (const x of values) if (x !== null && x !== undefined && Math.abs(x) > top) top = Math.abs(x);
    return top;
  }

  const layerName = (l) => `L${l}`;
  const neuronName = (l, j) => `L${l} N${j}`;

  // The heatmap of one neuron as a data: URL (allowed by both pages' policies).
  function heatmapImage(neuron, grid, palette) {
    const canvas = el('canvas', { width: String(grid), height: String(grid) });
    const context = canvas.getContext('2d');
    const image = context.createImageData(grid, grid);
    const plus = rgb(palette.value_positive), minus = rgb(palette.value_negative);
    for (let j = 0; j < grid; j++) {
      for (let i = 0; i < grid; i++) {
        const code = neuron.heatmap[j * grid + i];
        const level = ALPHABET.indexOf(code);
        const v = level < 0 ? 0 : (level - LEVELS) / LEVELS;
        const colour = v >= 0 ? plus : minus;
        const at = 4 * ((grid - 1 - j) * grid + i); // rows come from the bottom
        for (let c = 0; c < 3; c++) image.data[at + c] = Math.round(255 + (colour[c] - 255) * Math.abs(v));
        image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    return canvas.toDataURL();
  }

  class NetworkPanel {
    constructor(parent, { send = () => {}, mode = 'live' } = {}) {
      this.parent = parent;
      this.send = send;
      this.mode = mode;
      this.root = el('div', { class: 'nv' });
      parent.insertBefore(this.root, parent.firstChild);
      const head = el('div', { class: 'nv-head' }, this.root);
      this.tabs = {};
      for (const [name, text] of [['network', 'Network'], ['backward', 'Backward by layer'], ['graph', 'Graph']]) {
        const tab = this.tabs[name] = el('button', { type: 'button', class: `nv-tab nv-tab-${name}`, text }, head);
        tab.addEventListener('click', () => this.show(name));
      }
      const switchLabel = el('label', { class: 'nv-switch' }, head);
      this.byGradient = el('input', { type: 'checkbox', class: 'nv-by-gradient' }, switchLabel);
      switchLabel.append(' by gradient');
      this.byGradient.addEventListener('change', () => this.redraw());
      this.crumbs = el('nav', { class: 'nv-crumbs', 'aria-label': 'where you are' }, this.root);
      this.title = el('div', { class: 'nv-title' }, this.root);
      this.body = el('div', { class: 'nv-body' }, this.root);
      this.tab = 'network';
      this.level = 'network'; // 'network' | 'neuron' | 'operation'
      this.focus = null;      // [layer, neuron] when a neuron is open
      this.operation = null;  // index of the open operation
      this.backLayer = null;  // the layer the backward walk shows
      this.row = null;        // the chosen entry of delta
      this.cell = null;       // the chosen entry [j, k] of the weight gradient
      this.key = null;
      this.show('network');
    }

    show(tab) {
      this.tab = tab;
      for (const [name, button] of Object.entries(this.tabs)) button.classList.toggle('nv-active', name === tab);
      // The playground's own graph panel is a sibling: shown under the third tab only.
      this.parent.classList.toggle('nv-graph-hidden', tab !== 'graph');
      this.body.hidden = tab === 'graph';
      this.crumbs.hidden = this.title.hidden = tab === 'graph';
      this.key = null;
      this.redraw();
    }

    redraw() {
      if (this.state) this.draw(this.state, this.palette);
    }

    draw(state, palette) {
      this.state = state;
      this.palette = palette;
      const network = state.network;
      if (!network || this.tab === 'graph') return;
      const point = state.network_point;
      const where = `point ${point.index} (${point.x.map((v) => v.toFixed(2)).join(', ')}), class ${point.target}, loss ${num(point.loss)}`;
      this.title.textContent = point.vanished ? `${where}: its gradient is 0 (past the margin)` : where;
      this.title.classList.toggle('nv-vanished', Boolean(point.vanished));
      if (this.tab === 'backward') {
        this.crumbs.replaceChildren();
        this.drawBackward(network, point, palette);
        return;
      }
      if (this.level !== 'network' && this.focus && network[this.focus[0]] && network[this.focus[0]][this.focus[1]]) {
        const neuron = network[this.focus[0]][this.focus[1]];
        if (!neuron.operations) {
          this.drawCrumbs(this.neuronCrumbs());
          this.body.replaceChildren(el('p', {
            class: 'nv-note',
            text: this.mode === 'live' ? 'reading this neuron\u2019s operations from the graph…'
              : 'a recording keeps no operations: open the live playground to see them',
          }));
          this.key = null;
          return;
        }
        if (this.level === 'operation' && neuron.operations[this.operation]) this.drawOperation(neuron, palette);
        else this.drawNeuron(neuron, palette);
        return;
      }
      this.level = 'network';
      this.crumbs.replaceChildren(); // the top level: nothing to go back to
      this.drawNetwork(network, point, palette);
    }

    // -- breadcrumbs

    neuronCrumbs() {
      const [l, j] = this.focus;
      return [['Network', () => this.open(null)], [neuronName(l, j), () => this.openOperation(null)]];
    }

    drawCrumbs(crumbs) {
      this.crumbs.replaceChildren();
      crumbs.forEach(([text, action], k) => {
        if (k) el('span', { class: 'nv-sep', text: ' \u203a ' }, this.crumbs);
        const last = k === crumbs.length - 1;
        const item = el(last ? 'span' : 'button', { class: last ? 'nv-here' : 'nv-crumb', text }, this.crumbs);
        if (!last && action) {
          item.type = 'button';
          item.addEventListener('click', action);
        }
      });
    }

    open(neuron) {
      this.focus = neuron;
      this.level = neuron ? 'neuron' : 'network';
      this.operation = null;
      this.key = null;
      this.send({ action: 'focus', neuron });
      this.redraw();
    }

    openOperation(index) {
      this.operation = index;
      this.level = index === null ? 'neuron' : 'operation';
      this.redraw();
    }

    // -- the network level

    layout(network, point) {
      const sizes = [point.x.length, ...network.map((layer) => layer.length)];
      const width = Math.max(360, Math.min(640, this.body.clientWidth || 460));
      const tallest = Math.max(...sizes);
      // As tall as the window leaves room for (a 1280x800 screen shows it whole), at most 40 px a neuron.
      const room = (typeof window === 'undefined' ? 800 : window.innerHeight) - this.body.getBoundingClientRect().top - 64;
      const height = Math.max(240, Math.min(40 * tallest + 20, room));
      const pitch = (height - 20) / tallest;           // vertical distance between neurons
      const size = Math.max(14, Math.min(36, pitch - 3)); // a neuron's heatmap square
      const columns = sizes.length;
      const step = (width - size - 44) / Math.max(1, columns - 1);
      const position = (column, index) => {
        const count = sizes[column];
        const top = 20 + (height - 20 - count * pitch) / 2;
        return { x: 4 + column * step, y: top + index * pitch + (pitch - size) / 2 };
      };
      return { sizes, width, height, size, position };
    }

    drawNetwork(network, point, palette) {
      const byGradient = this.byGradient.checked;
      const shape = this.layout(network, point);
      const key = `net|${shape.sizes.join(',')}|${shape.width}`;
      if (key !== this.key) this.buildNetwork(network, point, shape, key);
      const allWeights = network.flatMap((layer) => layer.flatMap((n) => n.weights));
      const top = largest(allWeights.map((w) => (byGradient ? w.grad : w.value)));
      const topDelta = largest(network.flatMap((layer) => layer.map((n) => n.delta)));
      this.edges.forEach((edge) => {
        const w = network[edge.l][edge.j].weights[edge.k];
        const x = byGradient ? w.grad : w.value;
        const width = top > 0 && x !== null ? 0.25 + 3.75 * Math.abs(x) / top : 0.25;
        edge.line.setAttribute('stroke-width', width.toFixed(3));
        edge.line.setAttribute('stroke', signColor(x, palette, byGradient));
        edge.line.dataset.value = String(w.value);
        edge.line.dataset.grad = String(w.grad);
        edge.title.textContent = `layers.${edge.l}.neurons.${edge.j}.w.${edge.k} = ${num(w.value)}, d loss/d w = ${num(w.grad)}`;
      });
      this.neurons.forEach((shape) => {
        const neuron = network[shape.l][shape.j];
        if (neuron.heatmap !== undefined) shape.image.setAttribute('href', heatmapImage(neuron, point.grid, palette));
        shape.text.textContent = byGradient ? num(neuron.delta, 2) : num(neuron.activation, 2);
        shape.frame.setAttribute('stroke', byGradient ? signColor(neuron.delta, palette, true) : '#555');
        const strength = topDelta > 0 && neuron.delta ? Math.sqrt(Math.abs(neuron.delta) / topDelta) : 0;
        shape.frame.setAttribute('stroke-width', byGradient ? (1 + 3 * strength).toFixed(2) : '1');
        shape.group.dataset.activation = String(neuron.activation);
        shape.group.dataset.delta = String(neuron.delta);
        shape.title.textContent = `${neuron.name} (${neuron.function}): a = ${num(neuron.activation)}, `
          + `z = ${num(neuron.pre_activation)}, delta = d loss/d z = ${num(neuron.delta)}; click for its operations`;
      });
      this.inputs.forEach((text, k) => { text.textContent = `x${k + 1} ${point.x[k].toFixed(2)}`; });
      this.legend.textContent = byGradient
        ? 'edges: d loss / d weight (blue +, red \u2212), width by size; frames and numbers: delta = d loss / d z'
        : 'edges: weights (purple +, teal \u2212), width by |w|; squares: each neuron\u2019s output over the input plane; numbers: activations';
    }

    buildNetwork(network, point, shape, key) {
      this.key = key;
      this.body.replaceChildren();
      const drawing = svg('svg', {
        class: 'nv-net', width: String(shape.width), height: String(shape.height),
        viewBox: `0 0 ${shape.width} ${shape.height}`,
      }, this.body);
      const { size, position } = shape;
      const edgeGroup = svg('g', { class: 'nv-edges' }, drawing);
      this.edges = [];
      network.forEach((layer, l) => layer.forEach((neuron, j) => neuron.weights.forEach((_, k) => {
        const from = position(l, k), to = position(l + 1, j);
        const fromX = l === 0 ? from.x + 8 : from.x + size;
        const line = svg('line', {
          class: 'nv-edge', x1: fromX.toFixed(1), y1: (from.y + size / 2).toFixed(1),
          x2: to.x.toFixed(1), y2: (to.y + size / 2).toFixed(1),
          'data-layer': String(l), 'data-neuron': String(j), 'data-input': String(k),
        }, edgeGroup);
        this.edges.push({ l, j, k, line, title: svg('title', {}, line) });
      })));
      this.inputs = point.x.map((_, k) => {
        const at = position(0, k);
        svg('circle', { cx: String(at.x + 4), cy: (at.y + size / 2).toFixed(1), r: '4', class: 'nv-input' }, drawing);
        return svg('text', { x: String(at.x), y: (at.y + size / 2 - 9).toFixed(1), class: 'nv-input-label' }, drawing);
      });
      this.neurons = [];
      network.forEach((layer, l) => layer.forEach((neuron, j) => {
        const at = position(l + 1, j);
        const group = svg('g', {
          class: 'nv-neuron', transform: `translate(${at.x.toFixed(1)},${at.y.toFixed(1)})`,
          'data-layer': String(l), 'data-index': String(j), tabindex: '0', role: 'button',
        }, drawing);
        const title = svg('title', {}, group);
        const image = svg('image', { width: String(size), height: String(size), preserveAspectRatio: 'none', class: 'nv-heatmap' }, group);
        const frame = svg('rect', { width: String(size), height: String(size), class: 'nv-frame', fill: 'none' }, group);
        // The number sits on the square (edges leave from its right side, so not there).
        const text = svg('text', { x: String(size / 2), y: String(size / 2 + 5), class: 'nv-activation', 'text-anchor': 'middle' }, group);
        const openIt = () => this.open([l, j]);
        group.addEventListener('click', openIt);
        group.addEventListener('keydown', (event) => { if (event.key === 'Enter') openIt(); });
        this.neurons.push({ l, j, group, image, frame, text, title });
      }));
      network.forEach((_, l) => {
        const at = position(l + 1, 0);
        svg('text', { x: at.x.toFixed(1), y: '13', class: 'nv-layer-name', text: network[l].length > 1 ? `${layerName(l)}: N0–N${network[l].length - 1}` : `${layerName(l)}: N0` }, drawing);
      });
      this.legend = el('p', { class: 'nv-note nv-legend' }, this.body);
    }

    // -- the neuron level

    drawNeuron(neuron, palette) {
      const [l, j] = this.focus;
      this.drawCrumbs(this.neuronCrumbs());
      const key = `neuron|${l}|${j}|${neuron.operations.length}`;
      if (key !== this.key) {
        this.key = key;
        this.body.replaceChildren();
        el('p', { class: 'nv-formula', text: `a = ${neuron.function}(z),  z = b + w[0]*x[0] + \u2026 + w[${neuron.weights.length - 1}]*x[${neuron.weights.length - 1}]` }, this.body);
        el('p', { class: 'nv-note', text: 'each operation with its data and grad = d loss / d (it); click one for its chain rule' }, this.body);
        const scroller = el('div', { class: 'nv-scroll' }, this.body);
        const table = el('table', { class: 'nv-ops' }, scroller);
        const head = el('tr', {}, el('thead', {}, table));
        for (const name of ['', 'operation', 'data', 'grad']) el('th', { text: name }, head);
        const body = el('tbody', {}, table);
        this.opRows = neuron.operations.map((op, index) => {
          const row = el('tr', { class: `nv-op nv-op-${op.kind}`, 'data-index': String(index), tabindex: '0' }, body);
          el('td', { class: 'nv-op-label', title: op.name, text: op.label }, row);
          el('td', { class: 'nv-op-expression', text: op.expression }, row);
          const data = el('td', { class: 'nv-op-data' }, row);
          const grad = el('td', { class: 'nv-op-grad' }, row);
          row.addEventListener('click', () => this.openOperation(index));
          row.addEventListener('keydown', (event) => { if (event.key === 'Enter') this.openOperation(index); });
          return { data, grad };
        });
      }
      const top = largest(neuron.operations.map((op) => op.grad));
      neuron.operations.forEach((op, index) => {
        const { data, grad } = this.opRows[index];
        data.textContent = num(op.data);
        grad.textContent = num(op.grad);
        grad.dataset.value = String(op.grad);
        grad.style.backgroundColor = op.grad ? tint(op.grad > 0 ? palette.positive : palette.negative,
          Math.sqrt(Math.abs(op.grad) / top)) : '';
      });
    }

    // -- the operation level

    drawOperation(neuron, palette) {
      const op = neuron.operations[this.operation];
      this.drawCrumbs([...this.neuronCrumbs(), [op.label, null]]);
      this.key = null;
      this.body.replaceChildren();
      const box = el('div', { class: 'nv-operation' }, this.body);
      el('p', { class: 'nv-formula', title: op.name, text: `${op.label} = ${op.expression} = ${num(op.data)}` }, box);
      el('p', { text: `its grad: g_out = d loss / d (${op.label}) = ${num(op.grad)}` }, box);
      el('h4', { text: 'The chain rule, for each input of this operation' }, box);
      op.parents.forEach((parent, k) => {
        const item = el('div', { class: 'nv-rule' }, box);
        el('p', { title: parent.name, text: `local derivative d(${op.label}) / d(${parent.label}) = ${op.derivatives[k]} = ${num(parent.local)}` }, item);
        const line = el('p', { class: 'nv-chain', text: `g(${parent.label}) += ${op.derivatives[k]} \u00d7 g_out = ${num(parent.local)} \u00d7 ${num(op.grad)} = ${num(parent.contribution)}` }, item);
        line.dataset.contribution = String(parent.contribution);
        const others = Math.abs((parent.grad || 0) - (parent.contribution || 0)) > 1e-15 * Math.max(1, Math.abs(parent.grad || 0));
        el('p', { class: 'nv-note', text: others
          ? `${parent.label} (${parent.name}) is used elsewhere too: its grad, the sum of all such lines, is ${num(parent.grad)}`
          : `${parent.label} (${parent.name}): grad ${num(parent.grad)}` }, item);
      });
    }

    // -- backward, layer by layer

    drawBackward(network, point, palette) {
      const last = network.length - 1;
      if (this.backLayer === null || this.backLayer > last) this.backLayer = last;
      const l = this.backLayer;
      const layer = network[l];
      const key = `back|${l}|${network.map((x) => x.length).join(',')}`;
      if (key !== this.key) this.buildBackward(network, l, key);
      const previous = l === 0 ? point.x : network[l - 1].map((n) => n.activation);
      const deltaTop = largest(layer.map((n) => n.delta));
      layer.forEach((neuron, j) => {
        const cells = this.backRows[j];
        cells.slope.textContent = num(neuron.slope);
        cells.upstream.textContent = num(neuron.output_grad);
        cells.delta.textContent = num(neuron.delta);
        cells.delta.dataset.value = String(neuron.delta);
        cells.upstream.dataset.value = String(neuron.output_grad);
        cells.delta.style.backgroundColor = neuron.delta ? tint(neuron.delta > 0 ? palette.positive : palette.negative,
          Math.sqrt(Math.abs(neuron.delta) / deltaTop)) : '';
      });
      const gradTop = largest(layer.flatMap((n) => n.weights.map((w) => w.grad)));
      layer.forEach((neuron, j) => neuron.weights.forEach((w, k) => {
        const cell = this.matrixCells[j][k];
        cell.dataset.value = String(w.grad);
        cell.title = `d loss / d w[${j}][${k}] = delta[${j}] \u00d7 a[${k}] = ${num(neuron.delta)} \u00d7 ${num(previous[k])} = ${num(w.grad)}`;
        cell.style.backgroundColor = w.grad ? tint(w.grad > 0 ? palette.positive : palette.negative,
          Math.sqrt(Math.abs(w.grad) / gradTop)) : '#fff';
      }));
      this.drawEntry(network, l, previous);
    }

    buildBackward(network, l, key) {
      this.key = key;
      this.row = this.row !== null && this.row < network[l].length ? this.row : 0;
      this.cell = null;
      this.body.replaceChildren();
      const last = network.length - 1;
      const controls = el('div', { class: 'nv-walk' }, this.body);
      const later = el('button', { type: 'button', class: 'nv-later', text: '\u25c0 previous' }, controls);
      el('span', { class: 'nv-walk-where', text: `backward step ${last - l + 1} of ${last + 1}: layer ${layerName(l)}` }, controls);
      const earlier = el('button', { type: 'button', class: 'nv-earlier', text: 'next \u25b6' }, controls);
      later.disabled = l === last;
      earlier.disabled = l === 0;
      later.addEventListener('click', () => { this.backLayer = l + 1; this.row = 0; this.redraw(); });
      earlier.addEventListener('click', () => { this.backLayer = l - 1; this.row = 0; this.redraw(); });
      const input = l === 0 ? 'x' : `a[${layerName(l - 1)}]`;
      el('p', { class: 'nv-formula nv-delta-formula', text: l === last
        ? `\u03b4[${layerName(l)}] = \u03c3\u2032(z) \u2299 d loss / d a   (from the loss)`
        : `\u03b4[${layerName(l)}] = \u03c3\u2032(z[${layerName(l)}]) \u2299 W[${layerName(l + 1)}]\u1d40 \u03b4[${layerName(l + 1)}]` }, this.body);
      const columns = el('div', { class: 'nv-columns' }, this.body);
      const left = el('div', { class: 'nv-delta' }, columns);
      const table = el('table', { class: 'nv-delta-table' }, left);
      const head = el('tr', {}, el('thead', {}, table));
      const upstreamName = l === last ? 'd loss/d a' : `(W\u1d40\u03b4)`;
      for (const name of ['j', '\u03c3\u2032(z)', upstreamName, '\u03b4']) el('th', { text: name }, head);
      const body = el('tbody', {}, table);
      this.backRows = network[l].map((_, j) => {
        const row = el('tr', { class: 'nv-delta-row', 'data-index': String(j), tabindex: '0' }, body);
        el('td', { text: String(j) }, row);
        const slope = el('td', {}, row), upstream = el('td', { class: 'nv-upstream' }, row), delta = el('td', { class: 'nv-delta-value' }, row);
        const pick = () => { this.row = j; this.cell = null; this.redraw(); };
        row.addEventListener('click', pick);
        row.addEventListener('keydown', (event) => { if (event.key === 'Enter') pick(); });
        return { row, slope, upstream, delta };
      });
      const right = el('div', { class: 'nv-matrix-box' }, columns);
      el('p', { class: 'nv-formula', text: `d loss / d W[${layerName(l)}] = \u03b4 ${input}\u1d40` }, right);
      const matrix = el('div', { class: 'nv-matrix' }, right);
      // Through the CSSOM: the served page's policy refuses style attributes.
      const columnCount = network[l][0].weights.length;
      matrix.style.gridTemplateColumns = `repeat(${columnCount}, ${Math.max(6, Math.min(16, 240 / columnCount)).toFixed(1)}px)`;
      this.matrixCells = network[l].map((neuron, j) => neuron.weights.map((_, k) => {
        const cell = el('div', { class: 'nv-cell', 'data-row': String(j), 'data-column': String(k), tabindex: '0' }, matrix);
        cell.addEventListener('click', () => { this.cell = [j, k]; this.row = null; this.redraw(); });
        return cell;
      }));
      el('p', { class: 'nv-note', text: 'rows: neurons j of this layer; columns: inputs k. Click a cell, or a row of \u03b4.' }, right);
      this.entry = el('div', { class: 'nv-entry' }, this.body);
    }

    drawEntry(network, l, previous) {
      const last = network.length - 1;
      this.backRows.forEach((cells, j) => cells.row.classList.toggle('nv-chosen', j === this.row));
      this.matrixCells.forEach((row, j) => row.forEach((cell, k) => cell.classList.toggle('nv-chosen',
        this.cell !== null && this.cell[0] === j && this.cell[1] === k)));
      this.entry.replaceChildren();
      if (this.cell !== null) {
        const [j, k] = this.cell;
        const neuron = network[l][j];
        const line = el('p', { class: 'nv-formula nv-cell-sum', text: `d loss / d w[${j}][${k}] = \u03b4[${j}] \u00d7 `
          + `${l === 0 ? `x[${k}]` : `a[${k}]`} = ${num(neuron.delta)} \u00d7 ${num(previous[k])} = ${num(neuron.weights[k].grad)}` }, this.entry);
        line.dataset.value = String(neuron.weights[k].grad);
        el('p', { class: 'nv-note', text: 'in the graph: the product w*x passes its grad (\u03b4, through the sums) times its local derivative x into w' }, this.entry);
        return;
      }
      const j = this.row === null ? 0 : this.row;
      const neuron = network[l][j];
      if (l === last) {
        el('p', { class: 'nv-formula', text: `\u03b4[${j}] = \u03c3\u2032(z[${j}]) \u00d7 d loss / d a[${j}] = ${num(neuron.slope)} \u00d7 ${num(neuron.output_grad)} = ${num(neuron.delta)}` }, this.entry);
        el('p', { class: 'nv-note', text: 'd loss / d a comes from the loss\u2019s own operations' }, this.entry);
        return;
      }
      const terms = neuron.terms;
      el('p', { class: 'nv-formula', text: `(W\u1d40\u03b4)[${j}] = \u03a3_k w[k][${j}] \u03b4[k], the += of the chain rule into a[${j}] from each neuron k of ${layerName(l + 1)}:` }, this.entry);
      const list = el('div', { class: 'nv-terms' }, this.entry);
      terms.product.forEach((product, k) => {
        const term = el('span', { class: 'nv-term', 'data-value': String(product), title: `neuron ${k} of ${layerName(l + 1)}` }, list);
        term.textContent = `${num(terms.weight[k], 3)}\u00d7${num(terms.delta[k], 3)}`;
      });
      const total = el('p', { class: 'nv-formula nv-total', text: `= ${num(neuron.output_grad)};   \u03b4[${j}] = ${num(neuron.slope)} \u00d7 ${num(neuron.output_grad)} = ${num(neuron.delta)}` }, this.entry);
      total.dataset.value = String(neuron.delta);
    }
  }

  function render({ model, el: host }) {
    const panel = new NetworkPanel(host, { send: (content) => model.send(content), mode: model.get('mode') || 'live' });
    const update = () => { const state = model.get('state'); if (state) panel.draw(state, model.get('palette')); };
    model.on('change:state', update);
    update();
    return () => model.off('change:state', update);
  }

  // Points drawn on top of each other: a click on one of them selects the
  // clicked point, and clicking the same spot again moves on to the next one
  // there, so that each can be selected. `circles` are the points' SVG circles,
  // read when clicked (their centres in pixels).
  function pointToSelect(circles, clicked, selected, radius = 1.5) {
    const centres = circles.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
    const [x, y] = centres[clicked];
    const here = centres.map(([cx, cy], i) => (Math.hypot(cx - x, cy - y) <= radius ? i : -1)).filter((i) => i >= 0);
    const at = here.indexOf(selected);
    return at < 0 ? clicked : here[(at + 1) % here.length];
  }

  return { NetworkPanel, render, pointToSelect };
})();

export { networkView };
export default networkView;
