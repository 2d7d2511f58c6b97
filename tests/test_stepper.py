"""The steppers (autograd/stepper.py): the HTML page and the Jupyter widget.

Oracles: the steps' own texts (every one must be on the page), numbers
computed by hand (the tanh neuron of the README), and the graph's grads
before and after (looking changes nothing).
"""

import os
import sys

import pytest

from autograd import Value, backward_steps, draw_dot, save_steps_html, stepper
from autograd.graph import topo_order
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
    monkeypatch.setattr(sys.modules['autograd.stepper'], '_in_notebook', lambda: True)  # as in a Jupyter kernel
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


def series(terms):
    """x**1/1 + x**2/2 + ... : every term reuses x (the page that grew quadratically)."""
    x = Value(0.5, label='x')
    total = x
    for k in range(2, terms + 1):
        total = total + x ** k / k
    return total


@pytest.mark.parametrize('direction', ['backward', 'forward'])
def test_the_page_grows_linearly_with_the_graph(direction, tmp_path, monkeypatch):
    module = sys.modules['autograd.stepper']  # the name autograd.stepper is the function
    layouts = []
    render = module.render
    monkeypatch.setattr(module, 'render', lambda *a, **k: layouts.append(1) or render(*a, **k))
    per_node = []
    for terms in (15, 60):  # 4x the nodes
        root = series(terms)
        nodes = len(topo_order(root)) + sum(1 for node in topo_order(root) if node._prev)
        path = save_steps_html(root, tmp_path / f'{terms}.html', direction=direction)
        page = path.read_text(encoding='utf-8')
        assert page.count('<svg') == 1 and len(page_data(page)['frames']) > terms
        per_node.append(len(page.encode('utf-8')) / nodes)
    assert layouts == [1, 1]  # one Graphviz layout per page, not one per frame
    assert per_node[1] < 1.25 * per_node[0]  # bytes per node stay flat: linear, not quadratic
    assert per_node[1] < 10_000


def test_page_frames_list_only_what_changes(tmp_path):
    # After frame 0 (every value), a backward frame changes the current value, its
    # parents and the previous step's: a few entries, whatever the graph's size.
    page = save_steps_html(series(60), tmp_path / 'steps.html').read_text(encoding='utf-8')
    data = page_data(page)
    assert len(data['frames'][0][1]) == len(data['ids'])
    assert max(len(changes) for _, changes, _ in data['frames'][1:]) <= 6


def test_the_page_draws_the_names_the_texts_use(tmp_path):
    a = Value(1.0)
    b = Value(2.0, label='b')
    out = (a * b + a).tanh()
    page = save_steps_html(out, tmp_path / 'steps.html').read_text(encoding='utf-8')
    texts = ' '.join(text for text, _, _ in page_data(page)['frames'])
    for name in ('v0', 'v1', 'v2', 'v3'):  # a, a*b, a*b + a, tanh: no gaps
        assert f'>{name}</text>' in page and f'{name}.grad' in texts
    assert 'v4' not in texts


def test_a_collapsed_page_paints_each_box_with_its_groups_output(tmp_path):
    import nn

    model = nn.MLP(2, [3, 1], seed=0)  # seeded: the box is found by its data, which must be unique
    output, groups = model.forward_with_groups([1.0, -2.0])
    output = output[0] if isinstance(output, list) else output
    loss = (output - 1.0) ** 2
    page = save_steps_html(loss, tmp_path / 'steps.html', groups=groups, collapse=True).read_text(encoding='utf-8')
    data = page_data(page)
    painted = [value_id for ids, _ in data['ids'] for value_id in ids]
    boxes = [value_id for value_id in painted if value_id.startswith('box')]
    assert sorted(boxes) == ['box0', 'box1', 'box2', 'box3']  # each box painted by one value only
    last = page_frame(page, len(data['frames']) - 1)
    [box_of_output] = [box for box in boxes if last[box][1] == f'data {output.data:.4f}']
    assert last[box_of_output][2] == f'grad {2 * (output.data - 1.0):.4f}'


def test_outside_jupyter_a_stepper_says_to_save_the_page_instead(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, 'display', shown.append)
    o, _ = neuron()
    result = stepper(o)
    assert shown == [] and 'save_steps_html' in repr(result) and len(repr(result)) < 150
    with pytest.raises(ValueError, match='direction'):
        stepper(o, direction='sideways')


def test_a_drawing_s_repr_says_how_to_see_it():
    o, _ = neuron()
    text = repr(draw_dot(o))
    assert '.render(' in text and ".pipe(format='svg')" in text and 'Jupyter' in text
    assert 'object at 0x' not in text
