"""nn.module: shapes, values against hand/numpy/micrograd, validation, names, seeds, groups."""

import math
import random

import numpy as np
import pytest

from autograd import Value, no_grad
from nn import MLP, Layer, Module, Neuron


def set_weights(neuron, weights, bias):
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias


# --------------------------------------------------------------------------
# Shapes


def test_shapes_follow_micrograd():
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)
    layer_out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(layer_out, list) and len(layer_out) == 3
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 4])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4 and all(isinstance(o, Value) for o in out)


def test_hidden_layer_of_one_neuron_chains():
    # micrograd's Layer returns a bare Value for one output; the next layer must still work.
    out = MLP(2, [1, 3], seed=0)([0.5, -0.5])
    assert len(out) == 3


def test_inputs_may_be_values_tuples_or_numpy():
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.25, -1.5]).data
    assert model((0.25, -1.5)).data == expected
    assert model([Value(0.25), Value(-1.5)]).data == expected
    assert model(np.array([0.25, -1.5])).data == expected


# --------------------------------------------------------------------------
# Values against independent computations


@pytest.mark.parametrize('activation, function', [
    ('relu', lambda s: max(0.0, s)),
    ('tanh', math.tanh),
    ('sigmoid', lambda s: 1.0 / (1.0 + math.exp(-s))),
    ('linear', lambda s: s),
])
def test_neuron_computes_activation_of_weighted_sum(activation, function):
    neuron = Neuron(3, activation)
    set_weights(neuron, [0.5, -1.0, 2.0], 0.25)
    for x in ([1.0, 2.0, 3.0], [-1.0, 0.5, -0.75]):
        by_hand = function(0.25 + 0.5 * x[0] - 1.0 * x[1] + 2.0 * x[2])
        assert neuron(x).data == pytest.approx(by_hand, rel=1e-12, abs=1e-15)


def test_neuron_gradient_by_hand():
    neuron = Neuron(2, 'tanh')
    set_weights(neuron, [0.3, -0.7], 0.1)
    x = [Value(2.0), Value(-1.0)]
    out = neuron(x)
    out.backward()
    s = 0.1 + 0.3 * 2.0 + 0.7
    slope = 1.0 - math.tanh(s) ** 2
    assert neuron.w[0].grad == pytest.approx(slope * 2.0)
    assert neuron.w[1].grad == pytest.approx(slope * -1.0)
    assert neuron.b.grad == pytest.approx(slope)
    assert x[0].grad == pytest.approx(slope * 0.3)
    assert x[1].grad == pytest.approx(slope * -0.7)


def numpy_forward(model, x):
    """The same MLP as matrices: an independent oracle for the forward pass."""
    h = np.array(x, dtype=float)
    acts = {'relu': lambda v: np.maximum(v, 0.0), 'tanh': np.tanh,
            'sigmoid': lambda v: 1.0 / (1.0 + np.exp(-v)), 'linear': lambda v: v}
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = acts[layer.activation](W @ h + b)
    return h


@pytest.mark.parametrize('activation', ['relu', 'tanh', 'sigmoid'])
def test_mlp_matches_numpy(activation):
    model = MLP(3, [5, 4, 2], activation, seed=7)
    rng = random.Random(1)
    for _ in range(5):
        x = [rng.uniform(-2, 2) for _ in range(3)]
        got = [o.data for o in model(x)]
        np.testing.assert_allclose(got, numpy_forward(model, x), rtol=1e-12, atol=1e-14)


def test_forward_with_hidden_gives_the_output_and_every_hidden_layer():
    model = MLP(3, [5, 1, 4, 2], 'tanh', seed=7)
    x = [0.3, -1.2, 2.0]
    output, hidden = model.forward_with_hidden(x)
    assert [o.data for o in output] == [o.data for o in model(x)]
    assert [len(layer) for layer in hidden] == [5, 1, 4]  # a layer of one neuron is a list too
    for depth, layer in enumerate(hidden):
        prefix = MLP(3, [5, 1, 4, 2][:depth + 1], 'tanh', seed=7)  # the same first layers
        prefix.layers[-1].activation = 'tanh'  # numpy_forward applies each layer's own
        expected = numpy_forward(prefix, x)
        np.testing.assert_allclose([h.data for h in layer], expected, rtol=1e-12, atol=1e-14)
    single = MLP(2, [3, 1], seed=0)
    out, hidden = single.forward_with_hidden([1.0, -1.0])
    assert isinstance(out, Value) and out.data == single([1.0, -1.0]).data and len(hidden) == 1


def test_mlp_parameter_gradients_match_central_differences():
    model = MLP(2, [4, 3, 1], 'tanh', seed=3)
    x = [0.7, -0.4]
    model.zero_grad()
    model(x).backward()
    eps = 1e-6
    for p in model.parameters():
        saved = p.data
        with no_grad():
            p.data = saved + eps
            upper = model(x).data
            p.data = saved - eps
            lower = model(x).data
        p.data = saved
        assert p.grad == pytest.approx((upper - lower) / (2 * eps), abs=1e-7, rel=1e-5), p.label


def test_same_weights_as_micrograd_give_same_outputs_and_gradients():
    from micrograd.nn import MLP as MicroMLP
    random.seed(5)
    theirs = MicroMLP(2, [4, 4, 1])
    ours = MLP(2, [4, 4, 1])
    for mine, other in zip(ours.parameters(), theirs.parameters()):
        mine.data = other.data
    for x in ([0.3, -1.2], [1.5, 0.25]):
        ours.zero_grad()
        theirs.zero_grad()
        a, b = ours(x), theirs(x)
        assert a.data == pytest.approx(b.data, rel=1e-12, abs=1e-15)
        a.backward()
        b.backward()
        for mine, other in zip(ours.parameters(), theirs.parameters()):
            assert mine.grad == pytest.approx(other.grad, rel=1e-12, abs=1e-15)


def test_micrograd_nonlin_flag():
    assert Neuron(2, nonlin=False).activation == 'linear'
    assert Neuron(2, nonlin=True).activation == 'relu'
    layer = Layer(2, 3, nonlin=False)
    assert all(not n.nonlin for n in layer.neurons)
    model = MLP(2, [3, 1])
    assert [layer.activation for layer in model.layers] == ['relu', 'linear']


# --------------------------------------------------------------------------
# Validation


def test_wrong_number_of_inputs_is_an_error_not_a_truncation():
    with pytest.raises(ValueError, match='expected 2 inputs, got 3'):
        Neuron(2)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match='expected 3 inputs, got 2'):
        MLP(3, [4, 1])([1.0, 2.0])
    with pytest.raises(ValueError, match='expected 4 inputs, got 3'):
        MLP(2, [4, 1]).layers[1]([1.0, 2.0, 3.0])


@pytest.mark.parametrize('bad', [['a', 1.0], [1.0, None], [1.0, 'b']])
def test_non_numeric_inputs_raise_type_error(bad):
    with pytest.raises(TypeError, match='numbers or Values'):
        Neuron(2)(bad)


@pytest.mark.parametrize('make, error, message', [
    (lambda: Neuron(0), ValueError, 'nin must be a positive int'),
    (lambda: Neuron(2.5), TypeError, 'nin must be a positive int'),
    (lambda: Neuron(2, 'softmax'), ValueError, "unknown activation 'softmax'; choose one of 'relu'"),
    (lambda: Neuron(2, init='he'), ValueError, "unknown init 'he'"),
    (lambda: Layer(2, 0), ValueError, 'nout must be a positive int'),
    (lambda: MLP(2, 3), TypeError, 'nouts must be a list'),
    (lambda: MLP(2, []), ValueError, 'at least one layer'),
    (lambda: MLP(2, [3, -1]), ValueError, 'layer size must be a positive int'),
    (lambda: MLP(2, [3], seed='x'), TypeError, 'seed must be'),
    (lambda: MLP('2', [3]), TypeError, "MLP: nin must be a positive int, got str '2'"),
    (lambda: Layer(2, True), TypeError, 'Layer: nout must be a positive int, got bool True'),
    (lambda: MLP(2, [3], activation=['relu']), ValueError, "MLP: unknown activation \\['relu'\\]"),
])
def test_bad_construction_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --------------------------------------------------------------------------
# Initialisation and seeds


def test_seed_reproducible_and_private():
    state = random.getstate()
    a = [p.data for p in MLP(2, [8, 8, 1], seed=11).parameters()]
    b = [p.data for p in MLP(2, [8, 8, 1], seed=11).parameters()]
    MLP(2, [8, 1])  # seed=None draws fresh randomness, from a private stream too
    assert random.getstate() == state
    c = [p.data for p in MLP(2, [8, 8, 1], seed=12).parameters()]
    assert a == b
    assert a != c


def test_init_ranges():
    model = MLP(2, [50, 50, 1], seed=0)
    weights = [n.w for layer in model.layers for n in layer.neurons]
    flat = [w.data for ws in weights for w in ws]
    assert all(-1.0 <= w <= 1.0 for w in flat)
    assert max(flat) > 0.9 and min(flat) < -0.9  # uniform(-1, 1) really spans the range
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    scaled = MLP(2, [50, 50, 1], init='scaled', seed=0)
    bound = math.sqrt(3.0 / 50)
    hidden = [w.data for n in scaled.layers[1].neurons for w in n.w]
    assert all(abs(w) <= bound for w in hidden) and max(map(abs, hidden)) > 0.9 * bound
    variance = sum(w * w for w in hidden) / len(hidden)
    assert variance == pytest.approx(1.0 / 50, rel=0.1)


# --------------------------------------------------------------------------
# Names, counts, zero_grad, repr


def test_named_parameters_and_labels():
    model = MLP(2, [16, 16, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert model.num_parameters() == len(names) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    assert len(set(names)) == len(names)
    named = dict(model.named_parameters())
    assert named['layers.0.neurons.3.w.1'] is model.layers[0].neurons[3].w[1]
    assert named['layers.2.neurons.0.b'] is model.layers[2].neurons[0].b
    assert all(p.label == name for name, p in model.named_parameters())
    assert [p for _, p in model.named_parameters()] == model.parameters()
    layer = Layer(3, 4)
    assert layer.neurons[3].w[1].label == 'neurons.3.w.1'
    neuron = Neuron(2)
    assert [p.label for p in neuron.parameters()] == ['w.0', 'w.1', 'b']


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_shows_structure():
    text = repr(MLP(2, [16, 16, 1]))
    assert 'MLP(2, [16, 16, 1]' in text and '337 parameters' in text
    assert "Layer(2 -> 16, 'relu')" in text and "Layer(16 -> 1, 'linear')" in text
    assert repr(Neuron(3, 'tanh')) == "Neuron(3, 'tanh')"


def test_micrograd_style_subclass_that_only_lists_parameters():
    class Scale(Module):
        def __init__(self):
            self.k = Value(2.0)

        def parameters(self):
            return [self.k]

    model = Scale()
    model.k.grad = 5.0
    model.zero_grad()
    assert model.k.grad == 0.0 and model.num_parameters() == 1


# --------------------------------------------------------------------------
# forward_with_groups: which neuron made each node


def graph_nodes(root):
    seen, stack, nodes = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack.extend(node._prev)
    return nodes


def test_forward_with_groups_of_mlp_groups_every_node_by_neuron():
    model = MLP(2, [3, 2, 1], seed=0)
    x = [Value(0.5, label='x1'), Value(-1.0, label='x2')]
    output, groups = model.forward_with_groups(x)
    assert output.data == model(x).data
    nodes = graph_nodes(output)
    assert set(map(id, groups)) == {id(n) for n in nodes} - set(map(id, x))
    assert all(xi not in groups for xi in x)
    assert groups[model.layers[0].neurons[2].w[1]] == ('layers.0', 'layers.0.neurons.2')
    assert groups[output] == ('layers.2', 'layers.2.neurons.0')
    # Neuron 2 of layer 0 with 2 inputs: 2 products, 2 sums, a relu, 2 weights and a bias.
    in_neuron = [n for n, g in groups.items() if g == ('layers.0', 'layers.0.neurons.2')]
    assert len(in_neuron) == 8


def test_forward_with_groups_cluster_names_for_layer_and_neuron():
    layer = Layer(2, 4, seed=0)
    outs, groups = layer.forward_with_groups([1.0, 2.0])
    assert [o.data for o in outs] == [o.data for o in layer([1.0, 2.0])]
    assert groups[outs[3]] == ('neurons.3',)
    neuron = Neuron(2, seed=0)
    out, groups = neuron.forward_with_groups([1.0, 2.0])
    assert set(groups.values()) == {('neuron',)} and groups[neuron.b] == ('neuron',)
    assert out in groups


def test_forward_with_groups_leaves_out_nodes_made_later():
    model = MLP(2, [2, 1], seed=0)
    output, groups = model.forward_with_groups([1.0, 1.0])
    loss = (output - 1.0) ** 2
    assert loss not in groups


def test_import_nn_is_light():
    import subprocess
    import sys
    code = ('import sys, nn; heavy = [m for m in ("numpy", "matplotlib", "tqdm", "graphviz") '
            'if m in sys.modules]; print(heavy)')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'
