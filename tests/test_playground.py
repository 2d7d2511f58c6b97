"""nn.Playground: the core (training, state, boundary, graph), its Session and widget.

Oracles: nn.fit for the training steps, plain-float forward passes written
here for the boundary, the neurons' outputs and the layer statistics, and
central differences for the graph's gradients.
"""

import json
import math
import subprocess
import sys
import threading
import time

from importlib.resources import files

import pytest

import nn
from autograd.engine import no_grad
from nn.playground import session as session_module
from nn.playground import view as view_module
from nn.playground import DEFAULTS, Playground, Session, SettingsError, check_settings


def relu(x):
    return max(0.0, x)


def plain_forward(model, point):
    """The model on one point with floats only: a list of each layer's outputs."""
    activations = {'relu': relu, 'tanh': math.tanh, 'sigmoid': lambda z: 1 / (1 + math.exp(-z)),
                   'linear': lambda z: z}
    outputs = []
    h = list(point)
    for layer in model.layers:
        act = activations[layer.activation]
        h = [act(neuron.b.data + sum(w.data * x for w, x in zip(neuron.w, h))) for neuron in layer.neurons]
        outputs.append(h)
    return outputs


# -- settings -------------------------------------------------------------


@pytest.mark.parametrize('changes, words', [
    ({'lr': -1}, 'learning rate must be > 0'),
    ({'lr': 0}, 'learning rate must be > 0'),
    ({'lr': 'fast'}, 'learning rate must be a number'),
    ({'lr': float('nan')}, 'learning rate must be a finite number'),
    ({'lr': True}, 'learning rate must be a finite number'),
    ({'hidden': '0'}, 'neurons per layer must be from 1 to 64, got 0'),
    ({'hidden': [10000]}, 'neurons per layer must be from 1 to 64, got 10000'),
    ({'hidden': '16,x'}, 'neurons per layer must be a whole number'),
    ({'hidden': '1 6'}, "hidden layers must be sizes separated by commas such as 16,16 ('' for none), got '1 6'"),
    ({'hidden': ',,,'}, 'hidden layers must be sizes separated by commas'),
    ({'hidden': '16,'}, 'hidden layers must be sizes separated by commas'),
    ({'hidden': [4, 4, 4, 4, 4]}, 'at most 4 hidden layers'),
    ({'dataset': 'mnist'}, "unknown dataset 'mnist'"),
    ({'activation': 'gelu'}, "unknown activation 'gelu'"),
    ({'optimizer': 'lbfgs'}, "unknown optimizer 'lbfgs'"),
    ({'n': 5}, 'n (number of points) must be from 10 to 500'),
    ({'batch_size': 1000}, 'batch size must be from 1 to 100'),
    ({'noise': -0.5}, 'noise must be >= 0'),
    ({'dataset': 'spirals', 'loss': 'hinge'}, "loss 'hinge' is for two classes"),
    ({'learning_rate': 0.1}, "unknown setting 'learning_rate'"),
    ({'__class__': 'x'}, "unknown setting '__class__'"),
])
def test_bad_settings_are_refused_with_a_message_and_change_nothing(changes, words):
    pg = Playground()
    pg.step(2)
    before = (dict(pg.settings), pg.steps, [p.data for p in pg.model.parameters()])
    with pytest.raises(SettingsError) as caught:
        pg.configure(**changes)
    assert words in str(caught.value)
    assert (pg.settings, pg.steps, [p.data for p in pg.model.parameters()]) == before


def test_settings_accept_form_text_and_fill_in_the_rest():
    settings = check_settings({'lr': '0.01', 'hidden': '8, 4', 'batch_size': '', 'n': '50'})
    assert settings['lr'] == 0.01
    assert settings['hidden'] == (8, 4)
    assert settings['batch_size'] is None
    assert settings['n'] == 50
    assert settings['dataset'] == DEFAULTS['dataset']
    assert check_settings({'hidden': ''})['hidden'] == ()


def test_three_classes_switch_the_default_loss_to_cross_entropy():
    pg = Playground(dataset='spirals')
    assert pg.settings['loss'] == 'cross_entropy'
    assert pg.model.nouts[-1] == 3
    assert math.isfinite(pg.step(2))


# -- training -------------------------------------------------------------


def test_steps_are_nn_fit_steps():
    """Same data, weights, loss, L2 and optimizer: the same losses as nn.fit."""
    pg = Playground()
    losses = [pg.step() for _ in range(5)]
    X, y = nn.datasets.moons(n=100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    history = nn.fit(model, X, y, loss='hinge', optimizer='adam', lr=0.05, steps=5, l2=1e-4,
                     seed=0, progress=False)
    # The same step function (nn.train.train_step; fit replays it, bit for bit): the same floats.
    assert losses == history.loss
    assert [p.data for p in pg.model.parameters()] == [p.data for p in model.parameters()]
    assert pg.history['accuracy'] == history.accuracy


def test_training_lowers_the_loss_and_reset_starts_over():
    pg = Playground()
    start = pg.state()['loss']
    first = [p.data for p in pg.model.parameters()]
    pg.step(30)
    assert pg.state()['loss'] < 0.5 * start
    assert pg.state()['step'] == 30
    pg.reset()
    assert pg.steps == 0 and pg.state()['history']['loss'] == []
    assert [p.data for p in pg.model.parameters()] == first
    assert pg.state()['loss'] == start


def test_step_zero_shows_the_loss_of_the_whole_dataset():
    pg = Playground()
    X, y = nn.datasets.moons(n=100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    with no_grad():
        expected = (nn.losses.hinge([model(x) for x in X], y)
                    + nn.losses.l2_penalty(model.parameters(), 1e-4)).data
    assert pg.state()['loss'] == pytest.approx(expected)
    assert pg.state()['accuracy'] == nn.accuracy(model, X, y)


def test_learning_rate_applies_from_the_next_step_without_a_reset():
    pg = Playground(optimizer='sgd', lr=0.1)
    pg.step(3)
    before = [p.data for p in pg.model.parameters()]
    assert pg.configure(lr=0.02) is False
    assert pg.steps == 3
    pg.step()
    # SGD without momentum: p -= lr * grad, and p.grad still holds this step's gradient.
    after = [p.data for p in pg.model.parameters()]
    expected = [b - 0.02 * p.grad for b, p in zip(before, pg.model.parameters())]
    assert after == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_changing_the_architecture_starts_over():
    pg = Playground()
    pg.step(2)
    assert pg.configure(hidden='4', activation='tanh') is True
    assert pg.steps == 0
    assert pg.model.nouts == [4, 1] and pg.model.activation == 'tanh'


def test_divergence_stops_stepping_and_says_so():
    pg = Playground()
    pg.model.parameters()[0].data = float('inf')
    loss = pg.step(5)
    assert not math.isfinite(loss)
    assert pg.steps == 1
    state = pg.state()
    assert 'diverged' in state['message'] and state['loss'] is None
    json.dumps(state, allow_nan=False)  # still valid JSON


def test_batches_come_from_the_seed():
    a, b = Playground(batch_size=10), Playground(batch_size=10)
    assert [a.step() for _ in range(3)] == [b.step() for _ in range(3)]
    assert a.history['accuracy'][0] * 10 == round(a.history['accuracy'][0] * 10)


# -- the state ------------------------------------------------------------


def test_state_is_json_and_holds_every_panel():
    pg = Playground()
    pg.step(3)
    state = json.loads(json.dumps(pg.state(), allow_nan=False))
    assert state['step'] == 3
    assert len(state['history']['loss']) == 3
    assert state['points']['x'] == pg.X and state['points']['labels'] == pg.y
    names = [name for name, _ in pg.model.named_parameters()]
    params = state['parameters']
    assert params['name'] == names
    assert params['value'] == [p.data for p in pg.model.parameters()]
    assert params['grad'] == [p.grad for p in pg.model.parameters()]
    assert params['m'] == pg.optimizer.mean and params['v'] == pg.optimizer.variance
    assert [layer['name'] for layer in state['layers']] == ['layers.0', 'layers.1']


def test_sgd_state_has_no_second_moment():
    pg = Playground(optimizer='sgd', lr=0.1)
    pg.step()
    params = pg.state()['parameters']
    assert params['v'] is None and len(params['m']) == len(params['name'])


def test_curves_are_thinned_but_keep_their_step_numbers(monkeypatch):
    monkeypatch.setattr(view_module, 'MAX_CURVE_POINTS', 10)
    pg = Playground(hidden=(2,), n=10)
    pg.step(35)
    history = pg.state()['history']
    assert len(history['step']) <= 10
    assert history['step'][0] == 1
    assert history['loss'] == [pg.history['loss'][s - 1] for s in history['step']]


def test_layer_statistics_match_a_plain_forward_pass():
    pg = Playground(hidden=(8, 8), seed=3)
    before = [plain_forward(pg.model, x) for x in pg.X]  # the step's forward runs before its update
    pg.step()
    for depth, layer in enumerate(pg.state()['layers']):
        values = [v for outputs in before for v in outputs[depth]]
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        assert layer['mean'] == pytest.approx(mean) and layer['std'] == pytest.approx(std)
        dead = [u for u in range(8) if all(outputs[depth][u] == 0.0 for outputs in before)]
        assert layer['flag'] == 'dead' and layer['flagged'] == dead


def test_saturated_tanh_units_are_flagged():
    pg = Playground(activation='tanh', hidden=(3,))
    neuron = pg.model.layers[0].neurons[1]
    neuron.b.data = 50.0  # tanh(50 + w.x) is 1 for every point
    pg.step()
    layer = pg.state()['layers'][0]
    assert layer['flag'] == 'saturated' and 1 in layer['flagged']


def test_boundary_matches_the_model_on_the_grid():
    pg = Playground()
    pg.step(20)
    boundary = pg.boundary(size=12)
    (x0, x1), (y0, y1) = boundary['x'], boundary['y']
    assert len(boundary['cells']) == 2 * 12 * 12
    for j in range(12):
        for i in range(12):
            point = [x0 + (x1 - x0) * (i + 0.5) / 12, y0 + (y1 - y0) * (j + 0.5) / 12]
            score = plain_forward(pg.model, point)[-1][0]
            cell = boundary['cells'][2 * (12 * j + i): 2 * (12 * j + i) + 2]
            assert cell[0] == ('1' if score > 0 else '0')
            assert int(cell[1]) == min(9, int(10 * math.tanh(abs(score))))


def test_boundary_without_numpy_is_the_same(monkeypatch):
    pg = Playground(dataset='blobs', hidden=(5,))
    pg.step(5)
    with_numpy = pg.boundary(size=8)
    monkeypatch.setitem(sys.modules, 'numpy', None)  # as if not installed
    assert pg.boundary(size=8) == with_numpy


# -- the graph of one point ----------------------------------------------


def test_collapsed_graph_has_one_node_per_neuron_with_its_output():
    pg = Playground(hidden=(4, 3))
    pg.step(3)
    pg.select(5)
    graph = pg.state()['graph']
    assert graph['point'] == 5 and not graph['full']
    by_name = {node['name']: node for node in graph['nodes']}
    assert set(by_name) == ({'x1', 'x2', 'loss'} | {f'layers.0.neurons.{k}' for k in range(4)}
                            | {f'layers.1.neurons.{k}' for k in range(3)} | {'layers.2.neurons.0'})
    outputs = plain_forward(pg.model, pg.X[5])
    for depth, layer in enumerate(outputs):
        for k, value in enumerate(layer):
            assert by_name[f'layers.{depth}.neurons.{k}']['data'] == pytest.approx(value)
    assert by_name['loss']['grad'] == 1.0
    assert by_name['layers.0.neurons.0']['label'] == 'L0 N0'
    # edges: inputs -> every layer-0 neuron, layer 0 -> every layer-1 neuron, ...
    index = {node['name']: node['id'] for node in graph['nodes']}
    edges = {(tail, head) for tail, head, _ in graph['edges']}
    assert (index['x1'], index['layers.0.neurons.3']) in edges
    assert (index['layers.0.neurons.3'], index['layers.1.neurons.2']) in edges
    assert (index['layers.2.neurons.0'], index['loss']) in edges
    assert len(edges) == 2 * 4 + 4 * 3 + 3 + 1


def point_loss(pg, index, point):
    with no_grad():
        output = pg.model(point)
        return pg._loss_fn([output], [pg._targets[index]]).data


@pytest.mark.parametrize('dataset, loss', [('moons', 'hinge'), ('moons', 'bce'), ('blobs', 'cross_entropy')])
def test_graph_grads_are_derivatives_of_the_point_loss(dataset, loss):
    pg = Playground(dataset=dataset, loss=loss, hidden=(6,), activation='tanh')
    pg.step(3)
    index = 7
    graph = pg.graph(index)
    h = 1e-6
    for k, name in enumerate(('x1', 'x2')):
        node = next(n for n in graph['nodes'] if n['name'] == name)
        up, down = list(pg.X[index]), list(pg.X[index])
        up[k] += h
        down[k] -= h
        slope = (point_loss(pg, index, up) - point_loss(pg, index, down)) / (2 * h)
        assert node['grad'] == pytest.approx(slope, rel=1e-4, abs=1e-7)
        assert node['data'] == pg.X[index][k]


def test_graph_leaves_the_training_grads_alone():
    pg = Playground()
    pg.step(2)
    grads = [p.grad for p in pg.model.parameters()]
    pg.graph(3)
    pg.graph(4, full=True)
    assert [p.grad for p in pg.model.parameters()] == grads


def test_full_graph_shows_every_operation_and_weight():
    pg = Playground(hidden=(2,))
    graph = pg.graph(0, full=True)
    kinds = [node['kind'] for node in graph['nodes']]
    assert kinds.count('parameter') == pg.model.num_parameters()
    assert kinds.count('input') == 2
    names = {node['name'] for node in graph['nodes'] if node['kind'] == 'parameter'}
    assert names == {name for name, _ in pg.model.named_parameters()}


@pytest.mark.parametrize('full', [False, True])
def test_layout_runs_left_to_right_without_overlaps(full):
    graph = Playground(hidden=(5, 3)).graph(0, full=full)
    nodes = graph['nodes']
    for tail, head, count in graph['edges']:
        assert nodes[tail]['x'] < nodes[head]['x'] and count >= 1
    spots = {(node['x'], node['y']) for node in nodes}
    assert len(spots) == len(nodes)
    for node in nodes:
        assert 0 <= node['x'] <= graph['width'] and 0 <= node['y'] <= graph['height']


def test_select_checks_the_index():
    pg = Playground()
    for bad in (-1, 100, 'a', 1.5, True):
        with pytest.raises(SettingsError, match='point index'):
            pg.select(bad)
    pg.select(99)
    assert pg.state()['selected'] == 99


# -- recording and the saved page ----------------------------------------


def test_pages_and_widget_start_from_the_choices_python_sends():
    from nn.playground import choices, pages

    offered = choices()
    assert offered == {'dataset': list(nn.datasets.DATASETS), 'activation': ['relu', 'tanh', 'sigmoid'],
                       'loss': list(nn.losses.LOSSES), 'optimizer': ['adam', 'sgd']}
    for name, options in offered.items():  # every choice offered is accepted
        for option in options:
            if name != 'loss' or option not in nn.losses.BINARY:
                assert check_settings({name: option})[name] == option
    assert boot_data(pages.live_page())['choices'] == offered
    # The front end holds no list of its own.
    script = files('nn').joinpath('web', 'playground.js').read_text(encoding='utf-8')
    assert "'cross_entropy'" not in script and "'spirals'" not in script


def test_frames_are_thinned_evenly(monkeypatch):
    monkeypatch.setattr(session_module, 'MAX_FRAMES', 8)
    pg = Playground(hidden=(2,), n=10)
    pg.step(40)
    steps = [frame['step'] for frame in pg._frames]
    assert len(steps) <= 8
    assert steps[0] == 0 and steps == sorted(steps)
    gaps = {b - a for a, b in zip(steps, steps[1:])}
    assert len(gaps) == 1


def boot_data(html):
    start = html.index('id="playground-boot">') + len('id="playground-boot">')
    return json.loads(html[start:html.index('</script>', start)])


def test_save_html_is_one_offline_page_with_every_frame(tmp_path):
    pg = Playground()
    pg.step(12)
    path = pg.save_html(tmp_path / 'run.html')
    html = path and open(path, encoding='utf-8').read()
    boot = boot_data(html)
    assert boot['mode'] == 'recording'
    assert [frame['step'] for frame in boot['frames']] == list(range(13))
    palette = json.loads(files('autograd').joinpath('web', 'palette.json').read_text())
    assert boot['palette']['positive'] == palette['positive']
    assert "default-src 'none'" in html  # the page may fetch nothing
    assert '<script src' not in html and '<link' not in html
    assert 'export default' in html  # playground.js, inlined


def test_saved_page_cannot_be_broken_by_text_in_the_data(tmp_path):
    pg = Playground()
    pg.message = '</script><script>alert(1)</script>'
    pg._state_cache = None
    pg._frames.clear()  # the page then shows the state as it is now
    html = open(pg.save_html(tmp_path / 'run.html'), encoding='utf-8').read()
    assert '</script><script>alert(1)' not in html
    assert boot_data(html)['frames'][-1]['message'] == pg.message


# -- Session and the widget ----------------------------------------------


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    raise AssertionError('timed out')


def test_session_plays_pauses_and_publishes():
    published = []
    pg = Playground(hidden=(4,))
    session = Session(pg, publish=published.append)
    assert session.handle({'action': 'play'}) == {'ok': True}
    wait_for(lambda: pg.steps >= 3)
    assert session.handle({'action': 'pause'}) == {'ok': True}
    stopped = pg.steps
    time.sleep(0.2)
    assert pg.steps == stopped and not session.running
    assert published[-1]['step'] == stopped and published[-1]['running'] is False
    assert any(state['running'] for state in published)
    session.handle({'action': 'step'})
    assert pg.steps == stopped + 1
    session.handle({'action': 'reset'})
    assert pg.steps == 0


@pytest.mark.parametrize('command, words', [
    ({'action': 'explode'}, "unknown action 'explode'"),
    ({'action': "__import__('os').system('true')"}, 'unknown action'),
    ('play', "unknown action 'play'"),
    ([], 'unknown action'),
    ({'action': 'select', 'index': 'x'}, 'point index'),
    ({'action': 'configure', 'settings': {'lr': '-1'}}, 'learning rate must be > 0'),
    ({'action': 'configure', 'settings': 'lr=1'}, 'settings must be an object'),
    ({'action': 'configure', 'settings': {'hidden': '10000'}}, 'neurons per layer'),
    ({'action': 'graph', 'full': 'yes'}, 'full must be true or false'),
])
def test_session_answers_bad_commands_with_a_message(command, words):
    pg = Playground(hidden=(4,))
    before = dict(pg.settings)
    reply = Session(pg).handle(command)
    assert reply['ok'] is False and words in reply['error']
    assert pg.settings == before and pg.steps == 0


def test_session_keeps_playing_through_a_learning_rate_change():
    pg = Playground(hidden=(4,))
    session = Session(pg)
    session.handle({'action': 'play'})
    try:
        assert session.handle({'action': 'configure', 'settings': {'lr': '0.01'}})['ok']
        assert session.running
        assert session.handle({'action': 'configure', 'settings': {'dataset': 'circles'}})['ok']
        assert not session.running and pg.steps == 0  # a new dataset: a new run, paused
    finally:
        session.pause()


def test_widget_sends_state_and_answers_commands():
    pg = Playground(hidden=(4,))
    widget = pg.widget()
    assert pg.widget() is widget
    assert widget.mode == 'live' and widget.palette['positive'].startswith('#')
    assert widget.choices == nn.playground.choices()
    assert widget.state['step'] == 0 and widget.state['running'] is False
    assert 'export default' in widget._esm and '.pg-bar' in widget._css
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    widget._handle_custom_msg({'action': 'step'}, [])  # as a message from the front end
    assert sent == [{'type': 'reply', 'ok': True}]
    assert widget.state['step'] == 1
    widget._handle_custom_msg({'action': 'configure', 'settings': {'lr': 'abc'}}, [])
    assert sent[-1]['ok'] is False and 'learning rate must be a number' in sent[-1]['error']
    assert pg.settings['lr'] == 0.05
    widget._handle_custom_msg({'action': 'select', 'index': 9}, [])
    assert widget.state['graph']['point'] == 9
    pg.step(2)  # training from a cell updates the widget too
    assert widget.state['step'] == 3
    widget._handle_custom_msg({'action': 'play'}, [])
    wait_for(lambda: widget.state['step'] >= 5)
    widget._handle_custom_msg({'action': 'pause'}, [])
    assert widget.state['running'] is False


def test_playground_shows_itself_as_the_widget():
    pg = Playground(hidden=(2,))
    bundle = pg._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert 'application/vnd.jupyter.widget-view+json' in bundle


def test_repr_names_the_run():
    assert repr(Playground()) == "Playground(moons, MLP(2, [16, 16, 1], 'relu'), hinge, adam lr=0.05, step 0)"
    assert repr(Playground(dataset='blobs', hidden=())).startswith('Playground(blobs, MLP(2, [3], ')


def test_import_nn_loads_no_server_widget_or_numpy():
    code = ('import sys, nn; print(sorted(m for m in ("numpy", "http.server", "anywidget", '
            '"ipywidgets", "socketserver") if m in sys.modules))')
    output = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == '[]'


def test_playground_is_thread_safe():
    pg = Playground(hidden=(4,))
    errors = []

    def hammer():
        try:
            for _ in range(5):
                pg.step()
                json.dumps(pg.state())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and pg.steps == 15
