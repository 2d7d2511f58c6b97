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
from drawings import neuron, page_data, page_frame


def test_html_file_holds_every_frame_and_no_external_url(tmp_path):
    o, _ = neuron()
    path = tmp_path / 'steps.html'
    assert save_steps_html(o, path) == path
    page = path.read_text(encoding='utf-8')
    # The graph is laid out once; the frames are data the page paints on it.
    assert len(page_data(page)['frames']) == 6 and page.count('<svg') == 1  # start + 5 steps
    assert 'http://' not in page and 'https://' not in page
    assert '<script>' in page and 'src=' not in page and '<link' not in page
    for control in ('class="prev"', 'class="next"', 'class="play"', 'type="range"', 'max="5"'):
        assert control in page
    texts = [text for text, _, _ in page_data(page)['frames']]
    for step in backward_steps(neuron()[0]):
        assert step.text in texts
    assert sorted(os.listdir(tmp_path)) == ['steps.html']  # no temporary file left over
    forward = tmp_path / 'forward.html'
    save_steps_html(o, forward, direction='forward')
    assert len(page_data(forward.read_text(encoding='utf-8'))['frames']) == 10
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

    # Each frame is drawn when it is shown (render_frame), not all up front.
    texts = ['first', 'second', 'third <step>']
    drawn = []

    def render_frame(k):
        drawn.append(k)
        return f'<svg>{k}</svg>'

    box = _stepper_widget(ipywidgets, texts, render_frame)
    controls, view = box.children
    play, previous, following, slider, counter = controls.children
    assert isinstance(play, ipywidgets.Play) and play.max == 2 and slider.max == 2
    assert 'first' in view.value and counter.value == 'start' and drawn == [0]
    following.click()
    following.click()
    assert slider.value == 2 and 'third &lt;step&gt;' in view.value and '<svg>2</svg>' in view.value
    assert counter.value == 'step 2 of 2' and drawn == [0, 1, 2]
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
    assert len(page_data(shown[-1].data)['frames']) == 10 and 'https://' not in shown[-1].data


def test_html_stepper_starts_from_zero_grads_and_leaves_the_graph_as_it_was(tmp_path):
    o, parts = neuron()
    o.backward()
    o.backward()  # leaves now hold twice their gradient: b.grad = 1.0
    before = {name: value.grad for name, value in parts.items()}
    path = tmp_path / 'steps.html'
    save_steps_html(o, path)
    assert {name: value.grad for name, value in parts.items()} == before
    last_frame = page_frame(path.read_text(encoding='utf-8'), 5)
    grads = [grad for _, _, grad in last_frame.values()]
    assert last_frame['v7'][2] == 'grad 0.5000' and last_frame['v9'][2] == 'grad 1.0000'  # b (by hand), o
    assert grads.count('grad -1.5000') == 1 and 'grad -3.0000' not in grads  # x1, not doubled
