// The drawer: the worker evaluates the expression with the project's safe
// parser and returns DOT source (autograd/draw.py) and the stepper's frames
// (autograd/stepper.py); Graphviz compiled to WebAssembly lays them out here,
// and the stepper's own script (front/stepper.js) steps through the frames.

import { instance } from './vendor/viz.js';
import { Python, reportStart } from './python.js';

const python = new Python({ graphviz: true });
const form = document.getElementById('draw-form');
const button = document.getElementById('draw');
const errorBox = document.getElementById('error');
const graphBox = document.getElementById('graph');
const stepsBox = document.getElementById('steps');
const viz = instance();

function showError(text) {
  errorBox.textContent = text || '';
  errorBox.hidden = !text;
}

function make(tag, attributes = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function stepper(svg, data) {
  // The markup autograd/stepper.py writes around a stepper; stepper.js sets up
  // every such box that is not set up yet when it runs.
  const box = make('div', { class: 'bl-stepper', 'data-interval': '1000' });
  const controls = make('div', { class: 'controls' }, box);
  make('button', { class: 'prev', type: 'button', text: '◀ prev' }, controls);
  make('button', { class: 'play', type: 'button', text: 'play' }, controls);
  make('button', { class: 'next', type: 'button', text: 'next ▶' }, controls);
  make('input', { type: 'range', min: '0', max: String(data.frames.length - 1), value: '0', step: '1',
    'aria-label': 'frame' }, controls);
  make('span', { class: 'counter' }, controls);
  make('pre', { class: 'text' }, box);
  make('div', { class: 'graph' }, box).appendChild(svg);
  make('script', { type: 'application/json', class: 'bl-frames', text: JSON.stringify(data) }, box);
  return box;
}

function runStepperScript() {
  // A script element runs each time one is added (from this origin, as the policy wants).
  document.querySelectorAll('script.bl-stepper-script').forEach((old) => old.remove());
  make('script', { src: 'front/stepper.js', class: 'bl-stepper-script' }, document.body);
}

async function draw() {
  button.disabled = true;
  document.body.dataset.drawn = '';
  try {
    const request = { expression: document.getElementById('expression').value,
      values: document.getElementById('values').value };
    const answer = JSON.parse(await python.call('draw', JSON.stringify(request)));
    if (!answer.ok) {
      showError(answer.error);
      return;
    }
    const graphviz = await viz;
    const graph = graphviz.renderSVGElement(answer.graph);
    const steps = stepper(graphviz.renderSVGElement(answer.steps.dot), answer.steps.data);
    graphBox.replaceChildren(graph);
    stepsBox.replaceChildren(steps);
    runStepperScript();
    showError('');
    document.body.dataset.drawn = 'yes';
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  draw();
});

reportStart(python, document.getElementById('status')).then(draw, (error) => showError(error.message));
