"""Backprop and the forward pass one node at a time (autograd/steps.py).

Oracles: numbers computed by hand (the tanh neuron of the README), central
differences (for each rule's local derivative), and `Value.backward()`
itself (the steps must end where it ends, on random graphs with reuse).
"""

import math

import pytest
from hypothesis import given, settings, strategies as st

import autograd
from autograd import Value, backward_steps, forward_steps
from autograd.draw import PALETTE
from autograd.graph import topo_order
from autograd.steps import _short
from drawings import dot_nodes, neuron, svg_nodes, svg_of


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
    assert (update.parent, update.local_derivative, update.out_grad) == (a, 2.0, -1.5)
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
    'SIN': (lambda x, y: autograd.sin(x), lambda x, y: math.sin(x), ['cos(x.data) * out.grad']),
    'COS': (lambda x, y: autograd.cos(x), lambda x, y: math.cos(x), ['-sin(x.data) * out.grad']),
    'SQRT': (lambda x, y: autograd.sqrt(x), lambda x, y: math.sqrt(x), ['(0.5 / out.data) * out.grad']),
    'ABS': (lambda x, y: abs(x), lambda x, y: abs(x), ['sign(x.data) * out.grad']),
    # x - 1 < 0, on the slope side; d(out)/d(x - 1) = d(out)/dx
    'LEAKY_RELU': (lambda x, y: autograd.leaky_relu(x - 1, slope=0.1), lambda x, y: 0.1 * (x - 1),
                   ['(1 if v0.data > 0 else 0.1) * out.grad']),
    'SOFTPLUS': (lambda x, y: autograd.softplus(x), lambda x, y: math.log1p(math.exp(x)),
                 ['sigmoid(x.data) * out.grad']),
    'ATAN': (lambda x, y: autograd.atan(x), lambda x, y: math.atan(x), ['(1 / (1 + x.data**2)) * out.grad']),
    'ATAN2': (lambda x, y: autograd.atan2(x, y), math.atan2, ['(y.data / (x.data**2 + y.data**2)) * out.grad', '(-x.data / (x.data**2 + y.data**2)) * out.grad']),
    'MAX': (lambda x, y: autograd.maximum(x, y), max,
            ['(x.data is the max) * out.grad', '(y.data is the max) * out.grad']),
    'MIN': (lambda x, y: autograd.minimum(x, y), min,
            ['(x.data is the min) * out.grad', '(y.data is the min) * out.grad']),
}


def test_every_rule_of_the_engine_has_a_case():
    assert sorted(RULE_CASES) == sorted(name for name, rule in vars(autograd.engine).items()
                                        if rule in autograd.engine.RULES)


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
        assert update.local_derivative == pytest.approx(numeric, rel=1e-6, abs=1e-8)
        assert update.after == pytest.approx(update.local_derivative * 2.0)
        # the text carries the formula and the numbers that it multiplies
        assert update.text.startswith(f'{update.name}.grad += {update.formula} = ')
        assert update.text.endswith(f'-> {_short(update.after)}')


OPERATIONS = st.sampled_from(['+', '*', '-', '/', 'pow', 'rpow', 'rdiv', 'exp', 'log', 'tanh',
                              'sigmoid', 'relu', '+c', '*c', '**2', 'sin', 'cos', 'sqrt', 'abs',
                              'leaky_relu', 'softplus', 'max', 'min'])


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
            'sin': lambda: autograd.sin(a), 'cos': lambda: autograd.cos(a),
            'sqrt': lambda: autograd.sqrt(a * a + 1), 'abs': lambda: abs(a + 0.05),
            'leaky_relu': lambda: autograd.leaky_relu(a + 0.05, slope=0.1),
            'softplus': lambda: autograd.softplus(bounded), 'max': lambda: autograd.maximum(a, b, 0.1),
            'min': lambda: autograd.minimum(a, b),
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
        assert 'grad ?' in line(label) and PALETTE['muted'] in line(label)  # not reached yet
    for label in ('b', 'n', 'o'):
        assert 'grad ?' not in line(label) and PALETTE['muted'] not in line(label)  # final
    assert 'grad 0.5000' in line('b') and 'grad 1.0000' in line('o')
    # The step drawings also render, and name unlabelled nodes as the texts do.
    assert svg_nodes(svg_of(steps[4].draw()))
    x = Value(2.0)
    (step,) = backward_steps(x * 3)
    assert step.text.startswith('step 1 of 1: v1 = v0 * 3')
    assert '{ v0 |' in step.draw().source


def test_forward_steps_show_values_in_topological_order():
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    y = x * w
    steps = list(forward_steps(y))
    assert [step.text for step in steps] == [
        'step 1 of 3: x = 2.0 (an input: a leaf)',
        'step 2 of 3: w = -3.0 (an input: a leaf)',
        'step 3 of 3: v0 = x * w = 2.0 * -3.0 = -6.0',  # the first unlabelled value
    ]
    source = steps[1].draw().source
    assert 'data ?' in source and 'data -3.0000' in source and 'data -6.0000' not in source
