"""Drawings (autograd/draw.py).

Oracles: numbers computed by hand (the tanh neuron of the README), parameter
names (for clusters), the palette file for colours.
"""

import os
import re
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from autograd import Value, backward_steps, draw_dot
from autograd.draw import (LABEL_LIMIT, PALETTE, REUSE_LIMIT, SPAN_LIMIT, DrawingError, DrawingTimeout,
                           GraphvizNotFoundError, render)
from autograd.graph import topo_order
from drawings import SVG, dot_nodes, neuron, svg_edges, svg_nodes, svg_of


# By hand: n = -6 + 0 + 6.8814 = 0.8814, o = tanh(n) = 0.7071, do/dn = 1 - o**2 = 0.5,
# then + passes 0.5 on, and * swaps: x1.grad = w1 * 0.5, w1.grad = x1 * 0.5, ...
NEURON_BY_HAND = {
    'x1': ('2.0000', '-1.5000'), 'w1': ('-3.0000', '1.0000'),
    'x2': ('0.0000', '0.5000'), 'w2': ('1.0000', '0.0000'),
    'b': ('6.8814', '0.5000'), 'x1*w1': ('-6.0000', '0.5000'), 'x2*w2': ('0.0000', '0.5000'),
    'x1*w1 + x2*w2': ('-6.0000', '0.5000'), 'n': ('0.8814', '0.5000'), 'o': ('0.7071', '1.0000'),
}



def test_svg_has_one_node_per_value_and_per_op_with_labels_and_numbers():
    o, _ = neuron()
    o.backward()
    nodes = svg_nodes(svg_of(draw_dot(o)))
    # 10 values and 5 operations (2 *, 2 +, 1 tanh): ids are positions in topological order.
    values = [name for name in nodes if name.startswith('v')]
    operations = [name for name in nodes if name.startswith('op')]
    assert len(values) == 10 and len(operations) == 5
    found = {}
    for texts in nodes.values():
        if len(texts) == 3:
            label, data, grad = texts
            found[label] = (data.removeprefix('data '), grad.removeprefix('grad '))
    assert found == NEURON_BY_HAND
    assert sorted(texts[0] for name, texts in nodes.items() if name.startswith('op')) == \
        ['*', '*', '+', '+', 'tanh']


def test_values_without_labels_show_data_and_grad_only_and_constants_are_not_nodes():
    x = Value(3.0)
    y = x * 2 + 1
    y.backward()
    nodes = svg_nodes(svg_of(draw_dot(y)))
    assert len(nodes) == 5  # x, x*2, op, y, op: the numbers 2 and 1 live on the op nodes
    assert sorted(texts[0] for name, texts in nodes.items() if name.startswith('op')) == ['*2', '+1']
    assert ['data 3.0000', 'grad 2.0000'] in nodes.values()
    assert ['data 7.0000', 'grad 1.0000'] in nodes.values()


def test_a_plus_a_draws_two_edges_and_reuse_keeps_every_edge():
    a = Value(1.5, label='a')
    edges = svg_edges(svg_of(draw_dot(a + a)))
    assert sorted(edges) == ['op1->v1', 'v0->op1', 'v0->op1']
    x = Value(2.0, label='x')
    edges = svg_edges(svg_of(draw_dot((x + x) * x)))
    assert edges.count('v0->op1') == 2 and edges.count('v0->op2') == 1 and edges.count('v1->op2') == 1


def test_show_grad_false_and_rankdir_and_highlight():
    o, parts = neuron()
    source = draw_dot(o, show_grad=False, rankdir='TB', highlight=[parts['b']]).source
    assert 'grad' not in source
    assert 'rankdir=TB' in source
    b_line = next(line for line in source.splitlines() if 'b | data' in line)
    assert 'penwidth=3' in b_line and PALETTE['highlight'] in b_line
    # TB records are a row without braces; LR records need braces for the same row.
    assert '"b | data 6.8814"' in b_line


def test_labels_with_record_characters_are_escaped():
    x = Value(1.0, label='{weird|label<>}')
    y = x * 3
    nodes = svg_nodes(svg_of(draw_dot(y)))
    assert ['{weird|label<>}', 'data 1.0000', 'grad 0.0000'] in nodes.values()


def test_number_format_for_tiny_and_huge_values():
    x = Value(1e-9, label='tiny')
    y = x * 1e12
    nodes = svg_nodes(svg_of(draw_dot(y)))
    texts = [text for texts in nodes.values() for text in texts]
    assert 'data 1.000e-09' in texts and 'data 1000.0000' in texts


def test_color_grads_fills_by_sign_and_size():
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    out = a * b  # da = -3 (negative, largest), db = 2 (positive), out = 1
    out.backward()
    zero = Value(5.0, label='z') * 0.0
    nodes = dot_nodes(draw_dot(out + zero, color_grads=True).source)

    def fill(label):
        attributes = next(text for text, _ in nodes.values() if f'{label} |' in text)
        red, green, blue = (int(part, 16) for part in re.findall(r'fillcolor="#(..)(..)(..)"', attributes)[0])
        return red, green, blue

    red, green, blue = fill('a')
    assert red > blue  # negative: red
    red_b, green_b, blue_b = fill('b')
    assert blue_b > red_b  # positive: blue
    assert fill('z') == (255, 255, 255)  # z.grad = 0: white
    assert red_b > 255 * 0.2  # smaller |grad| is paler than the largest


def test_clusters_per_layer_and_neuron_for_an_mlp():
    import nn

    model = nn.MLP(2, [3, 1])
    output, groups = model.forward_with_groups([1.0, -2.0])
    output = output[0] if isinstance(output, list) else output
    loss = (output - 1.0) ** 2
    loss.backward()
    drawing = draw_dot(loss, groups=groups)
    nodes = dot_nodes(drawing.source)
    parameters = {p.label: p for p in model.parameters()}
    assert len(parameters) == 13
    order = topo_order(loss)
    for name, parameter in parameters.items():
        # 'layers.0.neurons.2.w.1' belongs in cluster layers.0 and, inside it, layers.0.neurons.2
        layer, neuron_name = '.'.join(name.split('.')[:2]), '.'.join(name.split('.')[:4])
        node_id = f'v{order.index(parameter)}'
        assert nodes[node_id][1] == (layer, neuron_name), name
        assert name in nodes[node_id][0]
    # The loss nodes are outside every cluster.
    assert nodes[f'v{len(order) - 1}'][1] == ()
    clusters = [group for group in svg_of(drawing).iter(f'{SVG}g') if group.get('class') == 'cluster']
    assert len(clusters) == 2 + 4  # two layers, four neurons


def test_collapse_draws_one_box_per_neuron_with_its_output():
    import nn

    model = nn.MLP(2, [3, 1])
    x = [1.0, -2.0]
    output, groups = model.forward_with_groups(x)
    output = output[0] if isinstance(output, list) else output
    loss = (output - 1.0) ** 2
    loss.backward()
    nodes = svg_nodes(svg_of(draw_dot(loss, groups=groups, collapse=True)))
    boxes = {texts[0]: texts[1:] for name, texts in nodes.items() if name.startswith('box')}
    assert set(boxes) == {'layers.0.neurons.0', 'layers.0.neurons.1', 'layers.0.neurons.2',
                          'layers.1.neurons.0'}
    params = {p.label: p.data for p in model.parameters()}
    for k in range(3):  # relu(w . x + b), by hand
        weights = [params[f'layers.0.neurons.{k}.w.{i}'] for i in range(2)]
        pre = params[f'layers.0.neurons.{k}.b'] + weights[0] * x[0] + weights[1] * x[1]
        assert boxes[f'layers.0.neurons.{k}'][0] == f'data {max(pre, 0.0):.4f}'
    assert boxes['layers.1.neurons.0'] == [f'data {output.data:.4f}', f'grad {2 * (output.data - 1.0):.4f}']
    # 4 boxes + the loss part: (output - 1) and its op, **2 and its op.
    assert len(nodes) == 4 + 4


def test_too_many_nodes_raises_with_the_count_and_what_to_do():
    x = Value(1.0, label='x')
    y = x
    for _ in range(300):
        y = y * 1.001
    with pytest.raises(ValueError) as error:
        draw_dot(y)
    message = str(error.value)
    assert '601 nodes' in message and 'max_nodes=400' in message
    assert 'sub-root' in message and 'collapse=True' in message
    assert 'digraph' in draw_dot(y, max_nodes=601).source
    with pytest.raises(ValueError, match='max_nodes=10'):
        draw_dot(y, max_nodes=10)


def test_bad_arguments_are_named():
    x = Value(1.0)
    with pytest.raises(TypeError, match='needs a Value'):
        draw_dot(1.0)
    with pytest.raises(ValueError, match='rankdir'):
        draw_dot(x, rankdir='XY')
    with pytest.raises(ValueError, match='collapse=True needs groups'):
        draw_dot(x, collapse=True)
    with pytest.raises(ValueError, match='max_nodes'):
        draw_dot(x, max_nodes=0)
    with pytest.raises(TypeError, match='needs a Value'):
        backward_steps([x])


def test_missing_dot_says_how_to_install_and_keeps_the_source(monkeypatch, tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    monkeypatch.setenv('PATH', str(empty))
    o, _ = neuron()
    drawing = draw_dot(o)
    for render in (lambda: drawing.pipe(format='svg'),
                   lambda: drawing.render(tmp_path / 'graph', format='png')):
        with pytest.raises(GraphvizNotFoundError) as error:
            render()
        message = str(error.value)
        for hint in ('apt-get install graphviz', 'brew install graphviz', 'conda install graphviz',
                     'https://graphviz.org/download/'):
            assert hint in message
    assert isinstance(error.value, RuntimeError)
    assert drawing.source.startswith('digraph') and 'x1 | data 2.0000' in drawing.source


def test_import_autograd_does_not_import_graphviz():
    import subprocess

    code = ('import autograd, sys; '
            'print(sorted({"graphviz", "IPython", "ipywidgets", "numpy"} & set(sys.modules)))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == '[]'


def test_a_value_used_many_times_is_drawn_next_to_each_use():
    # x - x - ... - x: one x with a hundred edges reaching across the drawing kept
    # Graphviz busy for minutes; drawn next to each use, no node has more than a few.
    x = Value(0.5, label='x')
    y = x
    for _ in range(99):
        y = y - x
    y.backward()
    source = draw_dot(y).source
    tails = re.findall(r'^\s*(\w+) -> op\d+', source, re.MULTILINE)
    assert max(tails.count(tail) for tail in set(tails)) <= REUSE_LIMIT
    x_copies = {tail for tail in tails if tail.startswith('v0_')}
    assert len(x_copies) == 100  # one per use: every edge is still drawn
    nodes = svg_nodes(svg_of(draw_dot(y)))
    assert sum(texts[0] == 'x' for texts in nodes.values()) == 100
    assert ['x', 'data 0.5000', 'grad -98.0000'] in nodes.values()  # dy/dx = 1 - 99
    # A few uses stay one node with its edges.
    z = x * x * x
    assert 'v0_' not in draw_dot(z).source


@pytest.mark.parametrize('label', ['a\x00b', 'tab\there', 'long' * 4000])
def test_labels_graphviz_cannot_take_are_escaped_and_cut(label):
    x = Value(1.0, label=label)
    y = x * 2
    nodes = svg_nodes(ElementTree.fromstring(render(draw_dot(y), 'svg')))
    (shown,) = [texts[0] for texts in nodes.values() if len(texts) == 3 and texts[1] == 'data 1.0000']
    assert len(shown) <= LABEL_LIMIT and '\x00' not in shown and '\t' not in shown
    assert shown.startswith(repr(label[:6])[1:-1][:6])


def fake_dot(tmp_path, monkeypatch, script):
    """A `dot` program that runs `script` (sh), first on PATH."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    program = bin_dir / 'dot'
    program.write_text('#!/bin/sh\n' + script + '\n')
    program.chmod(0o755)
    monkeypatch.setenv('PATH', f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')


ONE_NODE_SVG = ('printf \'<svg><g id="node1" class="node"><title>v0</title></g></svg>\\n\'')


@pytest.mark.parametrize('script, message', [
    ('cat > /dev/null; kill -9 $$', 'killed by signal 9'),
    ('cat > /dev/null; echo "Error: syntax error in line 1" >&2; exit 1', 'exit status 1.*syntax error'),
    ('cat > /dev/null; ' + ONE_NODE_SVG, r'incomplete drawing \(1 of 3 nodes\)'),
])
def test_render_refuses_a_dot_that_died_or_drew_part(script, message, tmp_path, monkeypatch):
    fake_dot(tmp_path, monkeypatch, script)
    x = Value(2.0, label='x')
    with pytest.raises(DrawingError, match=message):
        render(draw_dot(x * 3), 'svg')


def test_render_stops_dot_past_its_time_budget(tmp_path, monkeypatch):
    fake_dot(tmp_path, monkeypatch, 'exec sleep 30')
    x = Value(2.0, label='x')
    with pytest.raises(DrawingTimeout, match='within 0.2 s') as error:
        render(draw_dot(x * 3), 'svg', timeout=0.2)
    assert error.value.nodes == 3


def test_a_use_far_from_its_value_gets_a_copy_that_shows_its_name():
    x = Value(0.3, label='x')
    t = x.tanh()  # unlabelled, made early ...
    y = t
    for _ in range(2 * SPAN_LIMIT):
        y = y.sigmoid()
    y = y * t  # ... and used again far to the right: an edge across the drawing
    y.backward()
    source = draw_dot(y).source
    edges = re.findall(r'^\s*(\w+) -> (\w+)', source, re.MULTILINE)
    t_id = f'v{topo_order(y).index(t)}'
    assert (f'{t_id}_0', f'op{len(topo_order(y)) - 1}') in edges  # the far use: from a copy
    nodes = svg_nodes(svg_of(draw_dot(y)))
    # t is drawn where it is made and next to its far use, both named as the steps name it.
    t_drawn = [texts for name, texts in nodes.items() if name in (t_id, f'{t_id}_0')]
    assert len(t_drawn) == 2 and all(texts[0] == 'v0' and texts[1] == f'data {t.data:.4f}' for texts in t_drawn)
    assert 'v1' not in [texts[0] for texts in nodes.values()]  # only copied values get a name


def test_collapsed_mlp_keeps_neurons_in_index_order_with_one_line_per_weight_and_a_title():
    import nn

    model = nn.MLP(2, [16, 16, 1], seed=0)
    output, groups = model.forward_with_groups([0.5, -1.0])
    loss = (output - 1.0) ** 2
    loss.backward()
    drawing = draw_dot(loss, groups=groups, collapse=True, title='point 0: squared error')
    svg = render(drawing).decode()
    root = ElementTree.fromstring(svg)
    tops = {}
    for group in root.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            texts = [t.text for t in group.iter(f'{SVG}text')]
            ys = [float(t.get('y')) for t in group.iter(f'{SVG}text')]
            if texts and texts[0].startswith('layers.'):
                tops[texts[0]] = min(ys)
    for layer in (0, 1):
        ys = [tops[f'layers.{layer}.neurons.{k}'] for k in range(16)]
        assert all(upper < lower for upper, lower in zip(ys, ys[1:])), (layer, ys)
    # One edge per weight between the hidden layers, coloured by the weight's sign.
    weights = {p.label: p.data for p in model.parameters()}
    edges = [group for group in root.iter(f'{SVG}g') if group.get('class') == 'edge']
    seen = {}
    for edge in edges:
        link = edge.find(f'{SVG}g/{SVG}a')
        title = link.get('{http://www.w3.org/1999/xlink}title') if link is not None else None
        if title and title.startswith('layers.1.neurons.'):
            name = title.split(' = ')[0]
            stroke = edge.find(f'.//{SVG}path').get('stroke')
            seen[name] = stroke
            expected = PALETTE['value_negative'] if weights[name] < 0 else PALETTE['value_positive']
            assert stroke == expected, name
    assert len(seen) == 16 * 16
    assert 'point 0: squared error' in [t.text for t in root.iter(f'{SVG}text')]
