// Touching the playground's run from the page: add and remove training points
// on the plane, set a weight by hand, show the held-out test points, and keep
// the settings in the page's address so that a teacher can share a starting
// point. Python checks everything sent here (nn/playground/touch.py).
//
// Not a module of its own: nn/playground/pages.py puts this file before
// playground.js to make the one script the page, the widget and a saved
// recording load (front_end()), so it uses playground.js's helpers (make,
// svg, formatNumber, shortName, classColors, settingText), which are
// function declarations, and defines no name that file defines.

// The settings' text fields beyond the learning rate, hidden layers and batch:
// [name, label, size], in the order of the form.
const MORE_FIELDS = [['n', 'points', 4], ['noise', 'noise', 4], ['l2', 'L2', 6],
  ['test_fraction', 'test fraction', 4], ['seed', 'seed', 6]];

function addMoreFields(field) {
  for (const [name, label, size] of MORE_FIELDS) {
    field(name, label, make('input', { name, type: 'text', size: String(size), inputmode: 'decimal' }));
  }
}

// ---------------------------------------------------------------------------
// The page's address: #dataset=moons&n=200&seed=3 ... (the query works too)

function readAddress() {
  const text = (location.hash || '').replace(/^#/, '') || (location.search || '').replace(/^\?/, '');
  if (!text) return null;
  const settings = {};
  for (const [name, value] of new URLSearchParams(text)) settings[name] = value.trim();
  return Object.keys(settings).length ? settings : null;
}

function writeAddress(settings) {
  const parts = [];
  for (const [name, value] of Object.entries(settings)) {
    if (value === null && name !== 'batch_size') continue; // noise of a dataset without noise
    const text = value === null ? 'all' : settingText(name, value);
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(text).replace(/%2C/g, ',')}`);
  }
  const address = `#${parts.join('&')}`;
  if (location.hash !== address) history.replaceState(null, '', address);
}

// The test loss beside the training loss, with `line` of CurvesPanel.draw; its
// legend ends at (x, y), mid-height at the right, where the curves seldom are
// (the bottom line of legends has no room left beside the step count).
function drawTestLoss(state, line, largest, context, palette, x, y) {
  const testLoss = state.history.test_loss || [];
  if (!testLoss.length) return;
  line(testLoss, largest, palette.current_border, []);
  const text = '— test loss';
  context.textAlign = 'right';
  context.fillStyle = 'rgba(255, 255, 255, 0.8)';
  context.fillRect(x - context.measureText(text).width - 2, y - 12, context.measureText(text).width + 4, 16);
  context.fillStyle = palette.current_border;
  context.fillText(text, x, y);
}

// ---------------------------------------------------------------------------
// What render() adds to the panels

class Touch {
  // parts: { model, mode, boundary (a BoundaryPanel), bar (the toolbar), right (the parameters' section) }
  constructor({ model, mode, boundary, bar, right }) {
    this.model = model;
    this.live = mode === 'live';
    this.boundary = boundary;
    this.state = null;
    this.mode = 'select';
    const box = boundary.overlay.parentNode;
    // The test points: hollow rings under the training points, never in the way of a click.
    this.testLayer = svg('svg', { class: 'pg-test-points', viewBox: `0 0 ${boundary.size} ${boundary.size}` });
    box.insertBefore(this.testLayer, boundary.overlay);
    this.testKey = null;
    this.testText = make('span', { class: 'pg-test-loss', text: '' }, bar.stepText.parentNode);
    const controls = this.controls = make('div', { class: 'pg-touch' });
    box.parentNode.insertBefore(controls, box.nextSibling);
    // The address: read once, applied by Python ('open'), written only after its reply.
    this.address = this.live && Boolean(model.get('address'));
    this.opening = false;
    if (this.live) this.buildLive(box, right);
    const toggle = make('label', { class: 'pg-show-test' }, controls);
    this.showTest = make('input', { type: 'checkbox', class: 'pg-show-test-data', checked: '' }, toggle);
    toggle.append(' show test data');
    this.showTest.addEventListener('change', () => { this.testLayer.style.display = this.showTest.checked ? '' : 'none'; });
  }

  buildLive(box, right) {
    const modes = this.modes = make('div', { class: 'pg-modes', role: 'radiogroup', 'aria-label': 'a click on the plane' }, this.controls);
    this.modeKey = null;
    this.modesBox = modes;
    const resetData = make('button', { class: 'pg-reset-data', type: 'button', text: 'Reset data' }, this.controls);
    resetData.addEventListener('click', () => this.model.send({ action: 'reset_data' }));
    // Before the point's own click (which selects it): capture, and stop it unless selecting.
    this.boundary.overlay.addEventListener('click', (event) => this.onPlaneClick(event), true);
    this.buildEditor(right);
    if (this.address) {
      const wanted = readAddress();
      if (wanted) {
        this.opening = true;
        this.model.send({ action: 'open', settings: wanted });
      }
    }
  }

  buildModes(classes, palette) {
    this.modesBox.replaceChildren();
    const colors = classColors(palette);
    const choices = [['select', 'select']];
    for (let k = 0; k < classes; k++) choices.push([`add ${k}`, `add class ${k}`]);
    choices.push(['remove', 'remove']);
    if (!choices.some(([value]) => value === this.mode)) this.mode = 'select';
    for (const [value, text] of choices) {
      const label = make('label', { class: 'pg-mode' }, this.modesBox);
      const input = make('input', { type: 'radio', name: 'pg-mode', value }, label);
      input.checked = value === this.mode;
      if (value.startsWith('add ')) {
        // Through the CSSOM: the served page's policy refuses style attributes.
        make('span', { class: 'pg-swatch' }, label).style.background = colors[Number(value.slice(4)) % colors.length];
      }
      label.append(` ${text}`);
      input.addEventListener('change', () => {
        if (input.checked) this.mode = value;
        this.boundary.overlay.classList.toggle('pg-adding', value !== 'select');
      });
    }
  }

  buildEditor(right) {
    const scroller = right.querySelector('.pg-params');
    const hint = make('p', { class: 'pg-hint', text: 'click a value to set that weight by hand' });
    scroller.parentNode.insertBefore(hint, scroller);
    const editor = this.editor = make('form', { class: 'pg-weight-editor' });
    editor.hidden = true;
    scroller.parentNode.insertBefore(editor, scroller);
    this.editorName = make('span', { class: 'pg-weight-name' }, editor);
    this.editorInput = make('input', { type: 'text', class: 'pg-weight-value', size: '9', inputmode: 'decimal' }, editor);
    // Drag: a slider around the value it had when opened, sent at most every 80 ms.
    this.editorSlider = make('input', { type: 'range', class: 'pg-weight-slider', min: '-4', max: '4', step: '0.01' }, editor);
    make('button', { type: 'submit', text: 'Set' }, editor);
    const close = make('button', { type: 'button', text: 'Close' }, editor);
    close.addEventListener('click', () => { editor.hidden = true; });
    editor.addEventListener('submit', (event) => {
      event.preventDefault();
      this.model.send({ action: 'set_parameter', name: this.editing, value: this.editorInput.value.trim() });
    });
    let timer = null;
    this.editorSlider.addEventListener('input', () => {
      this.editorInput.value = this.editorSlider.value;
      if (timer === null) {
        timer = setTimeout(() => {
          timer = null;
          this.model.send({ action: 'set_parameter', name: this.editing, value: this.editorInput.value });
        }, 80);
      }
    });
    scroller.querySelector('table').addEventListener('click', (event) => {
      const cell = event.target.closest('td');
      if (!cell || cell.cellIndex !== 1 || !this.state) return;
      const row = cell.parentNode;
      this.openEditor(Array.prototype.indexOf.call(row.parentNode.children, row));
    });
  }

  openEditor(index) {
    const p = this.state.parameters;
    this.editing = p.name[index];
    this.editorName.textContent = `${shortName(this.editing)} =`;
    this.editorName.title = this.editing;
    const value = p.value[index];
    this.editorInput.value = value === null ? '' : String(value);
    const middle = value === null ? 0 : Math.round(value * 100) / 100;
    this.editorSlider.min = String(middle - 4);
    this.editorSlider.max = String(middle + 4);
    this.editorSlider.value = String(middle);
    this.editor.hidden = false;
    this.editorInput.focus();
    this.editorInput.select();
  }

  // The plane's coordinates under a click (the overlay spans the boundary's extent).
  planeAt(event) {
    const box = this.boundary.overlay.getBoundingClientRect();
    const [x0, x1] = this.state.boundary.x;
    const [y0, y1] = this.state.boundary.y;
    const u = (event.clientX - box.left) / box.width, v = (event.clientY - box.top) / box.height;
    return { x: x0 + u * (x1 - x0), y: y1 - v * (y1 - y0), u, v };
  }

  onPlaneClick(event) {
    if (!this.state || this.mode === 'select') return; // the point's own handler selects it
    event.stopPropagation();
    event.preventDefault();
    const at = this.planeAt(event);
    if (this.mode === 'remove' || event.shiftKey) {
      const index = this.nearestPoint(at, 10 / this.boundary.overlay.getBoundingClientRect().width);
      if (index !== null) this.model.send({ action: 'remove_point', index });
    } else {
      this.model.send({ action: 'add_point', x: at.x, y: at.y, label: Number(this.mode.slice(4)) });
    }
  }

  // The training point nearest to a click, within `reach` (a fraction of the plane's width).
  nearestPoint(at, reach) {
    const [x0, x1] = this.state.boundary.x;
    const [y0, y1] = this.state.boundary.y;
    let best = null, bestDistance = reach;
    this.state.points.x.forEach(([px, py], index) => {
      const distance = Math.hypot((px - x0) / (x1 - x0) - at.u, (y1 - py) / (y1 - y0) - at.v);
      if (distance <= bestDistance) { best = index; bestDistance = distance; }
    });
    return best;
  }

  onReply() {
    this.opening = false; // the address's settings are applied (or refused): the address may follow the state
    if (this.address && this.state) writeAddress(this.state.settings);
  }

  draw(state, palette) {
    this.state = state;
    if (this.address && !this.opening) writeAddress(state.settings);
    const points = state.points;
    const test = points.test_x || [];
    this.controls.querySelector('.pg-show-test').hidden = !test.length;
    this.testText.textContent = state.test_loss === null || state.test_loss === undefined ? ''
      : `test loss ${formatNumber(state.test_loss)}, ${(100 * state.test_accuracy).toFixed(1)}%`;
    const [x0, x1] = state.boundary.x;
    const [y0, y1] = state.boundary.y;
    const key = `${x0},${x1},${y0},${y1},${test.length},${test[0]}`;
    if (key !== this.testKey) {
      this.testKey = key;
      this.testLayer.replaceChildren();
      const colors = classColors(palette);
      const size = this.boundary.size;
      test.forEach((point, index) => {
        const ring = svg('circle', {
          cx: (((point[0] - x0) / (x1 - x0)) * size).toFixed(1), cy: ((1 - (point[1] - y0) / (y1 - y0)) * size).toFixed(1),
          r: '4.5', class: 'pg-test-point', stroke: colors[points.test_labels[index] % colors.length],
        }, this.testLayer);
        svg('title', { text: `test point ${index}, class ${points.test_labels[index]}` }, ring);
      });
    }
    if (this.live && this.modeKey !== points.classes) {
      this.modeKey = points.classes;
      this.buildModes(points.classes, palette);
    }
  }
}
