"""site_src/site_bridge.py, what the site's Web Worker calls, here in CPython:
the same module the browser runs under Pyodide (tests/test_site_browser.py)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'site_src'))

import site_bridge  # noqa: E402
from autograd import Value  # noqa: E402


@pytest.fixture
def driver(monkeypatch):
    monkeypatch.setattr(site_bridge, '_driver', None)
    return site_bridge


def command(bridge, **content):
    return json.loads(bridge.playground(json.dumps(content)))


def test_the_site_keeps_no_frames(driver):
    # It never saves a recording, and a frame is a whole state per step.
    assert command(driver, action='step')['ok'] and driver._driver.playground._frames == []


def test_playground_plays_steps_and_pauses(driver):
    reply = command(driver, action='select', index=3)
    assert reply['ok'] and reply['state']['step'] == 0 and reply['state']['selected'] == 3
    assert command(driver, action='play')['state']['running'] is True
    states = [driver.playground_train() for _ in range(4)]
    steps = driver._driver.playground.steps
    assert steps >= 4
    shown = [json.loads(state) for state in states if state is not None]
    assert shown and all(state['running'] for state in shown)
    paused = command(driver, action='pause')
    assert paused['state']['running'] is False and paused['state']['step'] == steps
    assert driver.playground_train() is None and driver._driver.playground.steps == steps
    assert command(driver, action='step')['state']['step'] == steps + 1
    assert command(driver, action='reset')['state']['step'] == 0


def test_playground_refuses_bad_commands_with_a_message(driver):
    assert command(driver, action='explode') == {**command(driver, action='explode'), 'ok': False}
    reply = command(driver, action='configure', settings={'lr': 'fast'})
    assert reply['ok'] is False and 'learning rate' in reply['error']


def test_draw_gives_the_engines_grads_and_dot_source():
    answer = json.loads(site_bridge.draw(json.dumps({'expression': 'tanh(x*w + b)', 'values': 'x=2, w=-3 b=6.88'})))
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    y = (x * w + b).tanh()
    y.backward()
    assert answer['ok'] and answer['value'] == y.data
    assert answer['grads'] == {'x': x.grad, 'w': w.grad, 'b': b.grad}
    assert answer['graph'].startswith('digraph') and 'grad -1.5029' in answer['graph']
    assert answer['steps']['dot'].startswith('digraph') and answer['steps']['data']['steps'] == 3  # tanh, +, *: one step per operation


@pytest.mark.parametrize('expression, values, message', [
    ("__import__('os')", 'x=1', 'only calls of'),
    ('x.__class__', 'x=1', 'attribute access'),
    ('log(x)', 'x=0', 'nothing to draw'),
    ('x*y', 'x=1', "unknown name 'y'"),
    ('x', 'x=abc', 'must be a number'),
])
def test_draw_refuses_with_the_parsers_message(expression, values, message):
    answer = json.loads(site_bridge.draw(json.dumps({'expression': expression, 'values': values})))
    assert answer['ok'] is False and message in answer['error']


def test_console_runs_blocks_and_shows_errors_as_text(monkeypatch):
    monkeypatch.setattr(site_bridge, '_console', None)
    push = lambda line: json.loads(site_bridge.console_push(line))  # noqa: E731
    assert push('def twice(v):') == {'output': '', 'more': True}
    assert push('    return 2 * v')['more'] is True
    assert push('') == {'output': '', 'more': False}
    assert push('twice(21)') == {'output': '42\n', 'more': False}
    assert push('print("a"); 1/0')['output'].startswith('a\nTraceback')
    assert 'ZeroDivisionError' in push('1/0')['output']
