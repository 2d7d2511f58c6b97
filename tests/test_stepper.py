"""The steppers (autograd/stepper.py): the HTML page and the Jupyter widget.

Oracles: the steps' own texts (every one must be on the page), numbers
computed by hand (the tanh neuron of the README), and the graph's grads
before and after (looking changes nothing).
"""

import os
import sys

import pytest

from autograd import backward_steps, save_steps_html, stepper
from autograd.stepper import _stepper_widget
from drawings import neuron


def test_html_file_holds_every_frame_and_no_external_url(tmp_path):
    o, _ = neuron()
    path = tmp_path / 'steps.html'
    assert save_steps_html(o, path) == path
    page = path.read_text(encoding='utf-8')
    assert page.count('class="frame"') == 6 and page.count('<svg') == 6  # start + 5 steps
    assert 'http://' not in page and 'https://' not in page
    assert '<script>' in page and 'src=' not in page and '<link' not in page
    for control in ('class="prev"', 'class="next"', 'class="play"', 'type="range"', 'max="5"'):
        assert control in page
    for step in backward_steps(neuron()[0]):
        assert step.text.split('\n')[1].replace('>', '&gt;') in page
    assert sorted(os.listdir(tmp_path)) == ['steps.html']  # no temporary file left over
    forward = tmp_path / 'forward.html'
    save_steps_html(o, forward, direction='forward')
    assert forward.read_text(encoding='utf-8').count('class="frame"') == 10
    with pytest.raises(ValueError, match='direction'):
        save_steps_html(o, forward, direction='sideways')


def test_html_write_is_atomic(tmp_path, monkeypatch):
    o, _ = neuron()
    path = tmp_path / 'steps.html'
    path.write_text('old')

    def failing_replace(source, target):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', failing_replace)
    with pytest.raises(OSError, match='disk full'):
        save_steps_html(o, path)
    assert path.read_text() == 'old'
    assert sorted(os.listdir(tmp_path)) == ['steps.html']


def test_stepper_widget_moves_through_frames():
    import ipywidgets

    frames = [('<svg>0</svg>', 'first'), ('<svg>1</svg>', 'second'), ('<svg>2</svg>', 'third <step>')]
    box = _stepper_widget(ipywidgets, frames)
    controls, view = box.children
    play, previous, following, slider = controls.children
    assert isinstance(play, ipywidgets.Play) and play.max == 2 and slider.max == 2
    assert 'first' in view.value
    following.click()
    following.click()
    assert slider.value == 2 and 'third &lt;step&gt;' in view.value and '<svg>2</svg>' in view.value
    following.click()
    assert slider.value == 2
    previous.click()
    assert 'second' in view.value


def test_stepper_displays_a_widget_or_falls_back_to_html(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, 'display', shown.append)
    o, _ = neuron()
    stepper(o)
    import ipywidgets

    assert isinstance(shown[-1], ipywidgets.VBox)
    monkeypatch.setitem(sys.modules, 'ipywidgets', None)  # as if not installed
    stepper(o, direction='forward')
    assert isinstance(shown[-1], IPython.display.HTML)
    assert shown[-1].data.count('class="frame"') == 10 and 'https://' not in shown[-1].data


def test_html_stepper_starts_from_zero_grads_and_leaves_the_graph_as_it_was(tmp_path):
    o, parts = neuron()
    o.backward()
    o.backward()  # leaves now hold twice their gradient: b.grad = 1.0
    before = {name: value.grad for name, value in parts.items()}
    path = tmp_path / 'steps.html'
    save_steps_html(o, path)
    assert {name: value.grad for name, value in parts.items()} == before
    last_frame = path.read_text(encoding='utf-8').split('class="frame"')[-1]
    assert '>grad 0.5000<' in last_frame and '>grad 1.0000<' in last_frame  # b (by hand) and o
    # x1, not doubled (Graphviz writes the minus sign as &#45;)
    assert last_frame.count('grad &#45;1.5000') == 1 and 'grad &#45;3.0000' not in last_frame
