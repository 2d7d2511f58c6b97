"""Drawings, the backward stepper and its HTML export (autograd/viz.py).

Oracles: numbers computed by hand (the tanh neuron of the README), parameter
names (for clusters), central differences (for each rule's local
derivative), and `Value.backward()` itself (the stepper must end where it
ends, on random graphs with reuse).
"""

import math
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

import pytest
from hypothesis import given, settings, strategies as st

import autograd
from autograd import Value, backward_steps, draw_dot
from autograd import viz
from autograd.graph import topo_order

SVG = '{http://www.w3.org/2000/svg}'


# --------------------------------------------------------------------------
# helpers


def neuron():
    """tanh(x1*w1 + x2*w2 + b), labelled, with b chosen so that tanh(n) = 1/sqrt(2)."""
    x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')
    w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    x1w1 = x1 * w1
    x1w1.label = 'x1*w1'
    x2w2 = x2 * w2
    x2w2.label = 'x2*w2'
    total = x1w1 + x2w2
    total.label = 'x1*w1 + x2*w2'
    n = total + b
    n.label = 'n'
    o = n.tanh()
    o.label = 'o'
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, total=total, n=n, o=o)


# By hand: n = -6 + 0 + 6.8814 = 0.8814, o = tanh(n) = 0.7071, do/dn = 1 - o**2 = 0.5,
# then + passes 0.5 on, and * swaps: x1.grad = w1 * 0.5, w1.grad = x1 * 0.5, ...
NEURON_BY_HAND = {
    'x1': ('2.0000', '-1.5000'), 'w1': ('-3.0000', '1.0000'),
    'x2': ('0.0000', '0.5000'), 'w2': ('1.0000', '0.0000'),
    'b': ('6.8814', '0.5000'), 'x1*w1': ('-6.0000', '0.5000'), 'x2*w2': ('0.0000', '0.5000'),
    'x1*w1 + x2*w2': ('-6.0000', '0.5000'), 'n': ('0.8814', '0.5000'), 'o': ('0.7071', '1.0000'),
}


def svg_of(drawing):
    return ElementTree.fromstring(drawing.pipe(format='svg'))


def svg_nodes(root_element):
    """{node id: [texts]} for every Graphviz node in an SVG."""
    nodes = {}
    for group in root_element.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            title = group.find(f'{SVG}title').text
            nodes[title] = [text.text for text in group.iter(f'{SVG}text')]
    return nodes


def svg_edges(root_element):
    titles = []
    for group in root_element.iter(f'{SVG}g'):
        if group.get('class') == 'edge':
            titles.append(group.find(f'{SVG}title').text.replace('&#45;', '-').replace('&gt;', '>'))
    return titles


def dot_nodes(source):
    """{node id: (attribute text, enclosing cluster labels)} from DOT source, read line by line."""
    nodes, clusters = {}, []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith('subgraph'):
            clusters.append(None)
        elif line == '}':
            if clusters:
                clusters.pop()
        elif clusters and clusters[-1] is None and 'label=' in line and line.startswith('color='):
            clusters[-1] = re.search(r'label="?([^" ]+)"?', line).group(1)
        else:
            match = re.match(r'(v\d+|op\d+|box\d+) \[(.*)\]$', line)
            if match:
                nodes[match.group(1)] = (match.group(2), tuple(clusters))
    return nodes


# --------------------------------------------------------------------------
# drawing


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
    assert 'penwidth=3' in b_line and viz.HIGHLIGHT_COLOR in b_line
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
    output, groups = model.trace([1.0, -2.0])
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
    output, groups = model.trace(x)
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
        with pytest.raises(viz.GraphvizNotFoundError) as error:
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


# --------------------------------------------------------------------------
# backward_steps


def test_steps_on_the_neuron_count_order_and_grads():
    o, parts = neuron()
    steps = list(backward_steps(o))
    assert len(steps) == 5  # one per interior node
    assert [step.name for step in steps[:3]] == ['o', 'n', '(x1*w1 + x2*w2)']
    assert [step.grad for step in steps] == [1.0] + [pytest.approx(0.5)] * 4
    reference, reference_parts = neuron()
    reference.backward()
    assert {name: value.grad for name, value in parts.items()} == \
        pytest.approx({name: value.grad for name, value in reference_parts.items()}, abs=1e-15)
    assert steps[0].text == ('step 1 of 5: o = tanh(n) pushes o.grad = 1.0 into its parents\n'
                             '  n.grad += (1 - o.data**2) * o.grad = 0.5 * 1.0 -> 0.5')


def test_update_text_for_a_product():
    a, b = Value(3.0, label='a'), Value(2.0, label='b')
    out = a * b
    out.label = 'out'
    loss = out * -1.5
    loss.label = 'loss'
    first, second = backward_steps(loss)
    assert first.updates[0].text == 'out.grad += -1.5 * loss.grad = -1.5 * 1.0 -> -1.5'
    assert [update.text for update in second.updates] == [
        'a.grad += b.data * out.grad = 2.0 * -1.5 -> -3.0',
        'b.grad += a.data * out.grad = 3.0 * -1.5 -> -4.5',
    ]
    update = second.updates[0]
    assert (update.parent, update.local_grad, update.upstream) == (a, 2.0, -1.5)
    assert (update.before, update.after) == (0.0, -3.0)


def test_update_text_when_a_parent_is_used_twice():
    a = Value(1.5, label='a')
    out = a + a
    out.label = 'out'
    (step,) = backward_steps(out)
    assert [update.text for update in step.updates] == [
        'a.grad += out.grad = 1.0 -> 1.0',
        'a.grad += out.grad = 1.0 = 1.0; a.grad: 1.0 -> 2.0',
    ]
    assert a.grad == 2.0


def _with(rule_builder):
    x, y = Value(0.7, label='x'), Value(1.3, label='y')
    out = rule_builder(x, y)
    out.label = 'out'
    return x, y, out


# (how to build it, the forward function of the parents' data, expected formula per parent)
RULE_CASES = {
    'ADD': (lambda x, y: x + y, lambda x, y: x + y, ['out.grad', 'out.grad']),
    'ADD_CONST': (lambda x, y: x + 2, lambda x, y: x + 2, ['out.grad']),
    'MUL': (lambda x, y: x * y, lambda x, y: x * y, ['y.data * out.grad', 'x.data * out.grad']),
    'MUL_CONST': (lambda x, y: x * 3, lambda x, y: x * 3, ['3 * out.grad']),
    'DIV': (lambda x, y: x / y, lambda x, y: x / y,
            ['(1 / y.data) * out.grad', '(-out.data / y.data) * out.grad']),
    'DIV_CONST': (lambda x, y: x / 4, lambda x, y: x / 4, ['(1 / 4) * out.grad']),
    'RDIV_CONST': (lambda x, y: 5 / x, lambda x, y: 5 / x, ['(-out.data / x.data) * out.grad']),
    'POW': (lambda x, y: x ** y, lambda x, y: x ** y,
            ['(y.data * x.data**(y.data - 1)) * out.grad', '(log(x.data) * out.data) * out.grad']),
    'POW_CONST': (lambda x, y: x ** 3, lambda x, y: x ** 3, ['(3 * x.data**2) * out.grad']),
    'RPOW_CONST': (lambda x, y: 2 ** x, lambda x, y: 2 ** x, ['(log(2) * out.data) * out.grad']),
    'EXP': (lambda x, y: x.exp(), lambda x, y: math.exp(x), ['out.data * out.grad']),
    'LOG': (lambda x, y: x.log(), lambda x, y: math.log(x), ['(1 / x.data) * out.grad']),
    'TANH': (lambda x, y: x.tanh(), lambda x, y: math.tanh(x), ['(1 - out.data**2) * out.grad']),
    'SIGMOID': (lambda x, y: x.sigmoid(), lambda x, y: 1 / (1 + math.exp(-x)),
                ['out.data * (1 - out.data) * out.grad']),
    'RELU': (lambda x, y: x.relu(), lambda x, y: max(x, 0.0), ['(x.data > 0) * out.grad']),
}


@pytest.mark.parametrize('rule_name', sorted(RULE_CASES))
def test_every_rule_reads_naturally_and_its_numbers_match_central_differences(rule_name):
    build, forward, formulas = RULE_CASES[rule_name]
    x, y, out = _with(build)
    assert out._rule is getattr(autograd.engine, rule_name)
    loss = out * 2.0  # so the step of `out` pushes a grad of 2, not 1
    steps = list(backward_steps(loss))
    step = steps[1]
    assert step.node is out and step.grad == 2.0
    assert [update.formula for update in step.updates] == formulas
    eps = 1e-6
    for update, bump in zip(step.updates, [(eps, 0.0), (0.0, eps)]):
        above = forward(x.data + bump[0], y.data + bump[1])
        below = forward(x.data - bump[0], y.data - bump[1])
        numeric = (above - below) / (2 * eps)
        assert update.local_grad == pytest.approx(numeric, rel=1e-6, abs=1e-8)
        assert update.after == pytest.approx(update.local_grad * 2.0)
        # the text carries the formula and the numbers that it multiplies
        assert update.text.startswith(f'{update.name}.grad += {update.formula} = ')
        assert update.text.endswith(f'-> {viz._short(update.after)}')


OPERATIONS = st.sampled_from(['+', '*', '-', '/', 'pow', 'rpow', 'rdiv', 'exp', 'log', 'tanh',
                              'sigmoid', 'relu', '+c', '*c', '**2'])


def _build(recipe, leaf_values):
    """A graph from a recipe: each op takes earlier nodes (with reuse) and makes one more."""
    nodes = [Value(v, label=f'x{i}') for i, v in enumerate(leaf_values)]
    for operation, i, j in recipe:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        bounded = a.tanh()  # keep every operation in its domain and away from overflow
        made = {
            '+': lambda: a + b, '*': lambda: a * b, '-': lambda: a - b,
            '/': lambda: a / (b * b + 1), 'pow': lambda: (a.sigmoid() + 0.5) ** b.tanh(),
            'rpow': lambda: 2 ** bounded, 'rdiv': lambda: 1 / (bounded + 2), 'exp': lambda: bounded.exp(),
            'log': lambda: (a * a + 1).log(), 'tanh': lambda: a.tanh(), 'sigmoid': lambda: a.sigmoid(),
            'relu': lambda: (a + 0.05).relu(), '+c': lambda: a + 1.5, '*c': lambda: a * -0.5,
            '**2': lambda: bounded ** 2,
        }[operation]()
        nodes.append(made)
    return nodes


@settings(max_examples=40, deadline=None)
@given(recipe=st.lists(st.tuples(OPERATIONS, st.integers(0, 50), st.integers(0, 50)),
                       min_size=1, max_size=12),
       leaf_values=st.lists(st.floats(-2.0, 2.0).filter(lambda v: abs(v + 0.05) > 1e-3),
                            min_size=1, max_size=4),
       start_grad=st.sampled_from([0.0, 0.25]))
def test_after_the_last_step_every_grad_equals_backward(recipe, leaf_values, start_grad):
    stepped = _build(recipe, leaf_values)
    plain = _build(recipe, leaf_values)
    for node in stepped + plain:
        node.grad = start_grad  # leaves accumulate; interior nodes must restart at 0
    steps = list(backward_steps(stepped[-1]))
    plain[-1].backward()
    interior = [node for node in topo_order(stepped[-1]) if node._prev]
    assert len(steps) == len(interior)
    assert [step.node for step in steps] == interior[::-1]
    for mine, reference in zip(stepped, plain):
        assert mine.grad == pytest.approx(reference.grad, rel=1e-12, abs=1e-12)


def test_reuse_graphs_by_hand():
    x = Value(3.0, label='x')
    y = (x + x) * x  # dy/dx = 4x = 12
    list(backward_steps(y))
    assert x.grad == 12.0
    a = Value(-1.0, label='a')
    list(backward_steps(a + a))
    assert a.grad == 2.0


def test_a_leaf_root_has_no_steps_and_is_seeded_like_backward():
    x = Value(2.0, label='x')
    assert list(backward_steps(x)) == []
    assert x.grad == 1.0


def test_drawing_a_step_marks_current_updated_final_and_pending():
    o, _ = neuron()
    steps = list(backward_steps(o))
    source = steps[2].draw().source  # the sum x1*w1 + x2*w2 pushes into both products
    nodes = dot_nodes(source)

    def line(label):
        return next(text for text, _ in nodes.values() if f'{{ {label} |' in text)

    assert '#ffe699' in line('x1*w1 + x2*w2') and 'grad 0.5000' in line('x1*w1 + x2*w2')  # current
    for label in ('x1*w1', 'x2*w2'):
        assert '#d4f4d4' in line(label) and 'grad 0.5000' in line(label)  # updated
    for label in ('x1', 'w1', 'x2', 'w2'):
        assert 'grad ?' in line(label) and viz.GREY in line(label)  # not reached yet
    for label in ('b', 'n', 'o'):
        assert 'grad ?' not in line(label) and viz.GREY not in line(label)  # final
    assert 'grad 0.5000' in line('b') and 'grad 1.0000' in line('o')
    # The step drawings also render, and name unlabelled nodes as the texts do.
    assert svg_nodes(svg_of(viz.draw_step(steps[4])))
    x = Value(2.0)
    (step,) = backward_steps(x * 3)
    assert step.text.startswith('step 1 of 1: v1 = v0 * 3')
    assert '{ v0 |' in step.draw().source


def test_forward_steps_show_values_in_topological_order():
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    y = x * w
    steps = list(viz.forward_steps(y))
    assert [step.text for step in steps] == [
        'step 1 of 3: x = 2.0 (an input: a leaf)',
        'step 2 of 3: w = -3.0 (an input: a leaf)',
        'step 3 of 3: v2 = x * w = 2.0 * -3.0 = -6.0',
    ]
    source = steps[1].draw().source
    assert 'data ?' in source and 'data -3.0000' in source and 'data -6.0000' not in source


# --------------------------------------------------------------------------
# steppers


def test_html_file_holds_every_frame_and_no_external_url(tmp_path):
    o, _ = neuron()
    path = tmp_path / 'steps.html'
    assert viz.save_steps_html(o, path) == path
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
    viz.save_steps_html(o, forward, direction='forward')
    assert forward.read_text(encoding='utf-8').count('class="frame"') == 10
    with pytest.raises(ValueError, match='direction'):
        viz.save_steps_html(o, forward, direction='sideways')


def test_html_write_is_atomic(tmp_path, monkeypatch):
    o, _ = neuron()
    path = tmp_path / 'steps.html'
    path.write_text('old')

    def failing_replace(source, target):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', failing_replace)
    with pytest.raises(OSError, match='disk full'):
        viz.save_steps_html(o, path)
    assert path.read_text() == 'old'
    assert sorted(os.listdir(tmp_path)) == ['steps.html']


def test_stepper_widget_moves_through_frames():
    import ipywidgets

    frames = [('<svg>0</svg>', 'first'), ('<svg>1</svg>', 'second'), ('<svg>2</svg>', 'third <step>')]
    box = viz._stepper_widget(ipywidgets, frames)
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
    viz.stepper(o)
    import ipywidgets

    assert isinstance(shown[-1], ipywidgets.VBox)
    monkeypatch.setitem(sys.modules, 'ipywidgets', None)  # as if not installed
    viz.stepper(o, direction='forward')
    assert isinstance(shown[-1], IPython.display.HTML)
    assert shown[-1].data.count('class="frame"') == 10 and 'https://' not in shown[-1].data


def test_html_stepper_starts_from_zero_grads_and_leaves_the_graph_as_it_was(tmp_path):
    o, parts = neuron()
    o.backward()
    o.backward()  # leaves now hold twice their gradient: b.grad = 1.0
    before = {name: value.grad for name, value in parts.items()}
    path = tmp_path / 'steps.html'
    viz.save_steps_html(o, path)
    assert {name: value.grad for name, value in parts.items()} == before
    last_frame = path.read_text(encoding='utf-8').split('class="frame"')[-1]
    assert '>grad 0.5000<' in last_frame and '>grad 1.0000<' in last_frame  # b (by hand) and o
    # x1, not doubled (Graphviz writes the minus sign as &#45;)
    assert last_frame.count('grad &#45;1.5000') == 1 and 'grad &#45;3.0000' not in last_frame
