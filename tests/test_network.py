"""The network view (nn/network.py) against an independent oracle: numpy's
matrix form of backpropagation, written out here as notebook 04 derives it."""

import math
import random

import numpy as np
import pytest

from autograd import Value
from nn import MLP, losses
from nn.module import Neuron
from nn.network import (
    GRID, GraphShapeError, _grid_outputs, decode_heatmap, encode_heatmap, gradient_vanished,
    largest_loss_point, nearest_points, network_view,
)

SIGMA = {
    'relu': (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    'tanh': (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    'sigmoid': (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    'linear': (lambda z: z, lambda z: np.ones_like(z)),
}


def loss_gradient(name, scores, target):
    """d(one point's loss)/d(output scores), from each loss's textbook formula."""
    if name == 'hinge':
        y = 1.0 if target == 1 else -1.0
        return np.array([-y if 1.0 - y * scores[0] > 0 else 0.0])
    if name == 'mse':
        return 2.0 * (scores - np.asarray(target, dtype=float)) / len(scores)
    if name == 'bce':
        return 1.0 / (1.0 + np.exp(-scores)) - target
    if name == 'cross_entropy':
        p = np.exp(scores - scores.max())
        p /= p.sum()
        p[target] -= 1.0
        return p


def matrix_backprop(model, x, loss_name, target):
    """Column form: z^l = W^l a^(l-1) + b^l; delta^L = dL/da^L * sigma'(z^L);
    delta^l = sigma'(z^l) * (W^(l+1))^T delta^(l+1); dL/dW^l = delta^l (a^(l-1))^T."""
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    names = [layer.activation for layer in model.layers]
    a, activations, zs = np.asarray(x, dtype=float), [np.asarray(x, dtype=float)], []
    for W, b, name in zip(Ws, bs, names):
        z = W @ a + b
        a = SIGMA[name][0](z)
        zs.append(z)
        activations.append(a)
    upstream = loss_gradient(loss_name, activations[-1], target)
    deltas = [None] * len(Ws)
    ups = [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        if l < len(Ws) - 1:
            upstream = Ws[l + 1].T @ deltas[l + 1]
        ups[l] = upstream
        deltas[l] = SIGMA[names[l]][1](zs[l]) * upstream
    dWs = [np.outer(deltas[l], activations[l]) for l in range(len(Ws))]
    return {'W': Ws, 'z': zs, 'a': activations[1:], 'delta': deltas, 'upstream': ups, 'dW': dWs}


def close(engine, oracle, tolerance=1e-12):
    engine, oracle = np.asarray(engine, dtype=float), np.asarray(oracle, dtype=float)
    assert engine.shape == oracle.shape
    scale = max(1.0, float(np.abs(oracle).max(initial=0.0)))
    worst = float(np.abs(engine - oracle).max(initial=0.0))
    assert worst <= tolerance * scale, f'differs from the matrix form by {worst:.3g}'


CASES = [
    ('relu', 'linear', 'hinge', [16, 16, 1]),
    ('tanh', 'linear', 'bce', [5, 4, 1]),
    ('sigmoid', 'linear', 'cross_entropy', [6, 3]),
    ('tanh', 'tanh', 'mse', [4, 4, 2]),
]


@pytest.mark.parametrize('activation, output_activation, loss_name, sizes', CASES)
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_deltas_and_weight_gradients_equal_the_matrix_form(activation, output_activation, loss_name,
                                                           sizes, seed):
    model = MLP(2, sizes, activation, output_activation=output_activation, seed=seed)
    rng = random.Random(seed)
    x = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
    target = _target(loss_name, model, x, rng)
    oracle = matrix_backprop(model, x, loss_name, target)
    view = network_view(model, x, losses.get(loss_name), target)
    network = view['network']
    assert [len(layer) for layer in network] == sizes
    assert np.abs(oracle['delta'][0]).max() > 0  # a case with something to compare
    for l, layer in enumerate(network):
        close([n['pre_activation'] for n in layer], oracle['z'][l])
        close([n['activation'] for n in layer], oracle['a'][l])
        close([n['delta'] for n in layer], oracle['delta'][l])
        close([n['output_grad'] for n in layer], oracle['upstream'][l])
        close([[w['grad'] for w in n['weights']] for n in layer], oracle['dW'][l])
        close([n['bias']['grad'] for n in layer], oracle['delta'][l])
        close([[w['value'] for w in n['weights']] for n in layer], oracle['W'][l])
        for j, neuron in enumerate(layer):
            terms = neuron['terms']
            if l + 1 < len(network):  # the chain rule's sum: row j of (W^(l+1))^T delta^(l+1)
                close(terms['weight'], oracle['W'][l + 1][:, j])
                close(terms['delta'], oracle['delta'][l + 1])
                close(terms['product'], oracle['W'][l + 1][:, j] * oracle['delta'][l + 1])
                assert math.fsum(terms['product']) == pytest.approx(neuron['output_grad'], abs=1e-12)
            else:
                assert terms == {'weight': [], 'delta': [], 'product': []}


def _target(loss_name, model, x, rng):
    if loss_name == 'hinge':  # the wrong side of the margin: the gradient is not zero
        return 0 if model(x).data > 0 else 1
    if loss_name == 'bce':
        return rng.choice([0, 1])
    if loss_name == 'cross_entropy':
        return rng.randrange(model.nouts[-1])
    return [rng.uniform(-1, 1) for _ in range(model.nouts[-1])]


def test_weights_and_grads_equal_backward_and_parameter_grads_are_kept():
    model = MLP(2, [8, 8, 1], seed=3)
    x, target = [0.3, -0.7], 1
    for p in model.parameters():
        p.grad = 0.25  # as if a training step had left gradients there
    view = network_view(model, x, losses.hinge, target)
    assert all(p.grad == 0.25 for p in model.parameters())
    model.zero_grad()
    losses.hinge([model(x)], [target]).backward()
    shown = [(w['value'], w['grad']) for layer in view['network'] for n in layer
             for w in n['weights'] + [n['bias']]]
    assert shown == [(p.data, p.grad) for p in model.parameters()]
    assert view['network_point']['loss'] == losses.hinge([model(x)], [target]).data


def test_the_operations_of_one_neuron_and_their_chain_rule_numbers():
    model = MLP(2, [3, 4, 1], 'tanh', seed=5)
    x, target = [0.9, -0.4], 0
    view = network_view(model, x, losses.hinge, target, focus=(1, 2))
    assert [('operations' in n) for layer in view['network'] for n in layer].count(True) == 1
    neuron = view['network'][1][2]
    ops = neuron['operations']
    assert [op['kind'] for op in ops] == ['product', 'sum'] * 3 + ['activation']
    assert [op['label'] for op in ops] == ['w[0]*x[0]', 's[0]', 'w[1]*x[1]', 's[1]', 'w[2]*x[2]', 'z', 'a']
    previous = [n['activation'] for n in view['network'][0]]
    weights = model.layers[1].neurons[2].w
    for k in range(3):
        product = ops[2 * k]
        assert product['expression'] == f'w[{k}] * x[{k}]'
        assert product['data'] == weights[k].data * previous[k]
        w_parent, x_parent = product['parents']
        assert (w_parent['label'], w_parent['name']) == (f'w[{k}]', f'layers.1.neurons.2.w.{k}')
        assert w_parent['local'] == previous[k] and x_parent['local'] == weights[k].data
        assert w_parent['contribution'] == w_parent['grad'] == previous[k] * neuron['delta']
    activation = ops[-1]
    assert activation['expression'] == 'tanh(z)' and activation['data'] == neuron['activation']
    assert activation['parents'][0]['local'] == pytest.approx(1 - neuron['activation'] ** 2, abs=1e-15)
    assert activation['parents'][0]['contribution'] == neuron['delta']
    assert ops[-2]['grad'] == neuron['delta']
    every = network_view(model, x, losses.hinge, target, focus='all')['network']
    assert all('operations' in n for layer in every for n in layer)


@pytest.mark.parametrize('focus', [(3, 0), (0, 3), (-1, 0), 'some', (0.0, 1), (True, 0)])
def test_a_focus_outside_the_network_is_refused(focus):
    with pytest.raises(ValueError, match='focus must be'):
        network_view(MLP(2, [3, 1], seed=0), [0.0, 0.0], losses.hinge, 1, focus=focus)


def test_a_neuron_that_is_not_a_chain_of_sums_is_named():
    class Reversed(Neuron):
        def __call__(self, x):  # the same function, summed from the last weight
            return sum((wi * xi for wi, xi in reversed(list(zip(self.w, x)))), self.b).relu()

    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].__class__ = Reversed
    with pytest.raises(GraphShapeError, match='w\\[k\\] \\* x\\[k\\] in order'):
        network_view(model, [0.5, 0.5], losses.hinge, 1)


@pytest.mark.parametrize('use_numpy', [True, False])
def test_heatmaps_are_each_neurons_output_on_the_grid(use_numpy):
    model = MLP(2, [4, 3, 1], 'tanh', seed=1)
    extent = ((-1.0, 2.0), (-0.5, 1.5))
    columns = _grid_outputs(model, extent, 5, use_numpy=use_numpy)
    # cell (i, j) of a 5 x 5 grid is at the centre of its square, rows from the bottom
    for j, y in enumerate([-0.5 + 2.0 * (r + 0.5) / 5 for r in range(5)]):
        for i, xx in enumerate([-1.0 + 3.0 * (c + 0.5) / 5 for c in range(5)]):
            expected = matrix_backprop(model, [xx, y], 'mse', [0.0])['a']
            for l, layer in enumerate(columns):
                close([column[5 * j + i] for column in layer], expected[l])
    view = network_view(model, [0.0, 0.0], losses.mse, 0.0, extent=extent, grid=5)
    for layer, outputs in zip(view['network'], _grid_outputs(model, extent, 5)):
        for neuron, column in zip(layer, outputs):
            assert len(neuron['heatmap']) == 25 and neuron['scale'] == max(map(abs, column))
            assert np.allclose(decode_heatmap(neuron['scale'], neuron['heatmap']), column,
                               atol=neuron['scale'] / 60 + 1e-15)


def test_heatmap_encoding_keeps_sign_zero_and_non_finite_values():
    scale, cells = encode_heatmap([-2.0, 0.0, 1.0, 2.0, math.nan, math.inf])
    assert scale == 2.0 and cells == '0uJY~~'  # ALPHABET[0], [30], [45], [60]
    assert decode_heatmap(scale, cells) == [-2.0, 0.0, 1.0, 2.0, None, None]
    assert encode_heatmap([0.0, 0.0]) == (0.0, 'uu')


def test_the_default_point_has_the_largest_loss_and_a_gradient():
    from nn.datasets import load

    X, y = load('moons', n=60, seed=2)
    model = MLP(2, [8, 1], seed=2)
    index = largest_loss_point(model, X, y, losses.hinge)
    each = [losses.hinge([model(x)], [label]).data for x, label in zip(X, y)]
    assert each[index] == max(each) > 0
    view = network_view(model, X[index], losses.hinge, y[index])
    assert not gradient_vanished(view)
    for p in model.layers[-1].parameters():  # every score far past the margin, on its own side
        p.data *= 1000.0
    sure = [1 if model(x).data > 0 else 0 for x in X]
    assert max(losses.hinge([model(x)], [label]).data for x, label in zip(X, sure)) == 0.0
    assert gradient_vanished(network_view(model, X[0], losses.hinge, sure[0]))


def test_points_on_top_of_each_other_are_all_found_nearest_first():
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.05, 0.0], [0.0, 0.0]]
    assert nearest_points(X, 0.04, 0.0, radius=0.1) == [3, 0, 2, 4]
    assert nearest_points(X, 5.0, 5.0, radius=0.1) == []


def test_the_view_is_json_and_names_the_point():
    import json

    model = MLP(2, [16, 16, 1], seed=0)
    view = network_view(model, [0.1, 0.2], losses.hinge, 1, extent=((-1, 1), (-1, 1)), point=7)
    text = json.dumps(view, allow_nan=False)
    assert view['network_point']['index'] == 7 and view['network_point']['grid'] == GRID
    assert all(len(n['heatmap']) == GRID * GRID for layer in view['network'] for n in layer)
    assert len(text) < 60_000  # sent with every state: about the size of the rest of it
    assert network_view(model, [Value(0.1).data, 0.2], losses.hinge, 1)['network'][0][0]['name'] == \
        'layers.0.neurons.0'


def test_the_svg_drawing_keeps_neurons_in_order_and_tells_every_weight_apart():
    from xml.etree import ElementTree

    from nn.network_svg import network_svg

    model = MLP(2, [16, 16, 1], seed=0)
    text = network_svg(model, [0.5, -1.0], losses.hinge, 0, loss_name='hinge', point=3)
    root = ElementTree.fromstring(text)
    ns = '{http://www.w3.org/2000/svg}'
    heading = root.find(f'{ns}title').text
    loss = losses.hinge([model([0.5, -1.0])], [0]).data
    assert heading == f'MLP(2, [16, 16, 1]) on point 3 (0.5, -1), target 0: hinge loss {loss:.4g}'
    lines = root.iter(f'{ns}line')
    weights = {name: p.data for name, p in model.named_parameters()}
    shown = []
    for line in lines:
        name, value = line.find(f'{ns}title').text.split(' = ')
        assert float(value) == pytest.approx(weights[name], rel=1e-3)
        shown.append((abs(weights[name]), float(line.get('stroke-width'))))
    assert len(shown) == 2 * 16 + 16 * 16 + 16
    widths = [width for _, width in sorted(shown)]
    assert widths == sorted(widths) and widths[-1] > 10 * widths[0]
    names = [g.find(f'{ns}title').text.split(':')[0] for g in root.iter(f'{ns}g') if g.find(f'{ns}circle') is not None]
    assert names == [f'layers.{l}.neurons.{j}' for l, n in enumerate([16, 16, 1]) for j in range(n)]
    ys = [float(c.get('cy')) for g in root.iter(f'{ns}g') for c in g.findall(f'{ns}circle')]
    assert ys[:16] == sorted(ys[:16]) and ys[16:32] == sorted(ys[16:32])  # index order, top to bottom
