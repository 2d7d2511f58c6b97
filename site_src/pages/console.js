// The console page: each line goes to site_bridge.console_push in the worker,
// and what Python printed comes back; '...' while a block is still open.

import { Python, reportStart } from './python.js';

const python = new Python({ graphviz: true });
const output = document.getElementById('output');
const input = document.getElementById('line');
const prompt = document.getElementById('prompt');
const form = document.getElementById('line-form');
const history = [];
let recalled = 0;
let queue = Promise.resolve();

function print(text) {
  output.textContent += text;
  output.scrollTop = output.scrollHeight;
}

function run(line) {
  // Lines run one after another, in the order they were typed or pasted.
  queue = queue.then(async () => {
    print(`${prompt.textContent} ${line}\n`);
    try {
      const answer = JSON.parse(await python.call('console_push', line));
      print(answer.output);
      prompt.textContent = answer.more ? '...' : '>>>';
    } catch (error) {
      print(`${error.message}\n`);
    }
    document.body.dataset.busy = '';
  });
  document.body.dataset.busy = 'yes';
  return queue;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const line = input.value;
  input.value = '';
  if (line.trim()) history.push(line);
  recalled = history.length;
  run(line);
});

input.addEventListener('paste', (event) => {
  const text = event.clipboardData.getData('text');
  if (!text.includes('\n')) return;
  event.preventDefault();
  for (const line of text.replace(/\r/g, '').split('\n')) run(line.replace(/^(>>>|\.\.\.) ?/, ''));
});

input.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  event.preventDefault();
  recalled = Math.max(0, Math.min(history.length, recalled + (event.key === 'ArrowUp' ? -1 : 1)));
  input.value = history[recalled] || '';
});

reportStart(python, document.getElementById('status')).then(async () => {
  print(`${await python.call('console_banner')}\n`);
  input.disabled = false;
  input.focus();
}, (error) => print(`Python could not start: ${error.message}\n`));
