"""nn.GPT and the names data, checked against an engine built like microgpt's.

The oracle is tests/microgpt.py: a reference `Value` that stores children
and local derivatives in the forward pass, and microgpt's model code written
against that interface. The same code runs on `autograd.Value` unchanged,
and nn.GPT is a separate implementation of the same model; from the same
weights all three must give the same loss and gradients to rounding.
"""

import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd.graph import topo_order
from nn import gpt

import microgpt

VOCAB = 27


def gpt_from(weights, **sizes):
    """An nn.GPT holding the reference weights (same matrix names, same order)."""
    model = nn.GPT(VOCAB, seed=None, **sizes)
    flat = [w for rows in weights.values() for row in rows for w in row]
    parameters = model.parameters()
    assert len(parameters) == len(flat)
    for p, w in zip(parameters, flat):
        p.data = w
    return model


def reference_loss_and_grads(weights, tokens, value_class=microgpt.ReferenceValue):
    state = microgpt.make_state(weights, value_class)
    loss = microgpt.loss_of(state, tokens)
    loss.backward()
    return loss.data, [p.grad for p in microgpt.parameters(state)]


def assert_close(found, expected, tolerance=1e-12):
    assert len(found) == len(expected)
    scale = max(1.0, max(abs(x) for x in expected))
    worst = max(abs(a - b) for a, b in zip(found, expected))
    assert worst <= tolerance * scale, f'largest difference {worst:.2e}'


@pytest.fixture(scope='module')
def weights():
    return microgpt.random_weights(VOCAB, seed=1)


# --------------------------------------------------------------------------
# The names data


def test_names_are_the_shipped_census_list():
    names = nn.datasets.names(seed=None)
    assert len(names) == 5163
    assert names == sorted(set(names))  # the file: alphabetical, no duplicates
    assert all(2 <= len(name) <= 11 and set(name) <= set(string.ascii_lowercase) for name in names)
    assert {'emma', 'olivia', 'james', 'mary', 'john'} <= set(names)


def test_names_order_is_a_shuffle_fixed_by_the_seed():
    first, again, other = nn.datasets.names(seed=0), nn.datasets.names(seed=0), nn.datasets.names(seed=1)
    assert first == again
    assert first != other
    assert sorted(first) == sorted(other) == nn.datasets.names(seed=None)
    first.append('changed')  # a fresh list every call
    assert len(nn.datasets.names(seed=0)) == 5163


@pytest.mark.parametrize('seed', ['0', 1.5, True])
def test_names_rejects_a_bad_seed(seed):
    with pytest.raises(ValueError, match='names: seed must be an int'):
        nn.datasets.names(seed=seed)


def test_the_data_file_says_where_it_comes_from():
    from pathlib import Path

    source = (Path(nn.__file__).parent / 'data' / 'NAMES_SOURCE.md').read_text()
    assert 'public domain' in source and '1990' in source and 'MIT' in source


# --------------------------------------------------------------------------
# The model's parameters


def test_parameter_count_is_microgpts():
    model = nn.GPT(VOCAB)
    assert model.num_parameters() == 4192
    # token, position and output tables; per layer 4 attention matrices and the MLP's two
    vocab, d, block = 50, 8, 5
    expected = 2 * vocab * d + block * d + 3 * (4 * d * d + 2 * 4 * d * d)
    assert nn.GPT(vocab, n_embd=d, n_head=2, n_layer=3, block_size=block).num_parameters() == expected


def test_named_parameters_are_readable_and_label_the_weights():
    model = nn.GPT(VOCAB, n_layer=2)
    named = dict(model.named_parameters())
    assert len(named) == model.num_parameters()
    assert named['wte.3.7'] is model.wte[3][7]
    assert named['wpe.15.0'] is model.wpe[15][0]
    assert named['layers.1.attn.wq.0.5'] is model.layers[1].attn.wq[0][5]
    assert named['layers.0.mlp.fc1.63.15'] is model.layers[0].mlp.fc1[63][15]
    assert named['layers.0.mlp.fc2.15.63'] is model.layers[0].mlp.fc2[15][63]
    assert named['lm_head.26.15'] is model.lm_head[26][15]
    prefixes = {name.rsplit('.', 2)[0] for name in named}
    assert prefixes == {'wte', 'wpe', 'lm_head'} | {f'layers.{i}.{part}' for i in (0, 1) for part in
                                                     ('attn.wq', 'attn.wk', 'attn.wv', 'attn.wo',
                                                      'mlp.fc1', 'mlp.fc2')}
    assert all(p.label == name for name, p in named.items())


def test_weights_are_gaussian_with_std_008_and_fixed_by_the_seed():
    data = [p.data for p in nn.GPT(VOCAB, seed=0).parameters()]
    assert data == [p.data for p in nn.GPT(VOCAB, seed=0).parameters()]
    assert data != [p.data for p in nn.GPT(VOCAB, seed=1).parameters()]
    mean = sum(data) / len(data)
    std = math.sqrt(sum((x - mean) ** 2 for x in data) / len(data))
    assert abs(mean) < 0.01 and 0.075 < std < 0.085


@pytest.mark.parametrize('arguments, message', [
    ((0,), 'vocab_size must be a positive int'),
    ((27,), None),
    ((27, 15, 4), r'n_embd \(15\) must be a multiple of n_head \(4\)'),
    ((27.0,), 'vocab_size must be a positive int'),
])
def test_gpt_checks_its_sizes(arguments, message):
    if message is None:
        nn.GPT(*arguments)
        return
    with pytest.raises(ValueError, match=message):
        nn.GPT(*arguments)


# --------------------------------------------------------------------------
# microgpt compatibility: the same numbers as the reference engine


@settings(max_examples=4, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=18))
def test_microgpt_code_runs_unchanged_on_autograd_value(weights, name):
    # max_size 18 > block_size 16: long names are cut to the first 16 transitions.
    tokens = gpt.encode(name)
    expected_loss, expected_grads = reference_loss_and_grads(weights, tokens)
    loss, grads = reference_loss_and_grads(weights, tokens, value_class=autograd.Value)
    assert math.isclose(loss, expected_loss, rel_tol=1e-12)
    assert_close(grads, expected_grads)


@settings(max_examples=4, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=18))
def test_nn_gpt_matches_the_reference_engine(weights, name):
    tokens = gpt.encode(name)
    expected_loss, expected_grads = reference_loss_and_grads(weights, tokens)
    model = gpt_from(weights)
    loss = model.loss(tokens)
    loss.backward()
    assert math.isclose(loss.data, expected_loss, rel_tol=1e-12)
    assert_close([p.grad for p in model.parameters()], expected_grads)


def test_one_hot_tokens_give_bit_for_bit_the_same_loss_and_gradients(weights):
    tokens = gpt.encode('hannah')
    by_index, by_row = gpt_from(weights), gpt_from(weights)
    loss = by_index.loss(tokens)
    loss.backward()
    rows = [gpt.one_hot(token) for token in tokens]
    loss_from_rows = by_row.loss(rows)
    loss_from_rows.backward()
    assert loss_from_rows.data == loss.data
    assert [p.grad for p in by_row.parameters()] == [p.grad for p in by_index.parameters()]


def test_the_graph_of_a_step_depends_only_on_the_name_length():
    """What tracing needs: names of one length (as one-hot rows) build graphs
    with the same operations and constants, node for node."""
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=8)

    def operations(name):
        rows = [autograd.Value(x) for row in map(gpt.one_hot, gpt.encode(name)) for x in row]
        rows = [rows[i:i + VOCAB] for i in range(0, len(rows), VOCAB)]
        return [(node._op, node._const) for node in topo_order(model.loss(rows), leaves=False)]

    assert operations('anna') == operations('zyxw')
    assert operations('anna') != operations('ann')


def test_softmax_is_shifted_inside_the_graph():
    logits = [autograd.Value(x) for x in (1000.0, 999.0, -5.0)]
    probs = gpt.softmax(logits)
    assert math.isclose(sum(p.data for p in probs), 1.0)
    assert math.isclose(probs[0].data, 1.0 / (1.0 + math.exp(-1.0) + math.exp(-1005.0)))
    ops = {node._op for node in topo_order(probs[0])}
    assert 'max' in ops


def test_one_attention_head_works_with_explain_the_stepper_and_drawings():
    def vector(name, numbers):
        return [autograd.Value(x, label=f'{name}{i}') for i, x in enumerate(numbers)]

    q = vector('q', [0.9, -0.4])
    keys = [vector('k0_', [0.5, 0.1]), vector('k1_', [-0.3, 0.8])]
    values = [vector('v0_', [1.0, -1.0]), vector('v1_', [0.2, 0.6])]
    out = gpt.attention(q, keys, values, n_head=1)[0]
    out.backward()
    # By hand: scores s_t = q . k_t / sqrt(2), weights softmax(s), out = sum_t w_t v_t[0].
    scores = [(q[0].data * k[0].data + q[1].data * k[1].data) / math.sqrt(2) for k in keys]
    weights = [math.exp(s) / sum(math.exp(r) for r in scores) for s in scores]
    assert math.isclose(out.data, weights[0] * 1.0 + weights[1] * 0.2)
    # d out / d q0 = sum_t w_t (v_t[0] - out) k_t[0] / sqrt(2)
    expected = sum(w * (v[0].data - out.data) * k[0].data / math.sqrt(2)
                   for w, v, k in zip(weights, values, keys))
    assert math.isclose(q[0].grad, expected, rel_tol=1e-12)
    assert math.isclose(autograd.explain(out, q[0]).total, expected, rel_tol=1e-12)
    frames = list(autograd.backward_steps(out))
    assert len(frames) >= len(topo_order(out, leaves=False))
    source = autograd.draw_dot(out).source
    assert 'max' in source and 'q0' in source and 'v1_0' in source


def test_cross_entropy_is_minus_log_softmax():
    logits = [autograd.Value(x) for x in (0.5, -1.25, 2.0, 0.0)]
    for target in range(4):
        expected = -math.log(gpt.softmax(logits)[target].data)
        assert math.isclose(gpt.cross_entropy(logits, target).data, expected, rel_tol=1e-12)


def test_forward_of_all_positions_equals_token_by_token():
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=6, seed=3)
    tokens = gpt.encode('bob')
    cache = model.new_cache()
    one_at_a_time = [[x.data for x in model.forward_token(t, i, cache)] for i, t in enumerate(tokens)]
    assert [[x.data for x in row] for row in model(tokens)] == one_at_a_time
    with pytest.raises(ValueError, match='expected 1 to 6 tokens'):
        model(tokens + tokens)


# --------------------------------------------------------------------------
# Training, sampling, files


def test_adam_steps_match_microgpts_optimizer(weights):
    words = ['ava', 'liam', 'mia']
    steps = 3
    state = microgpt.make_state(weights, microgpt.ReferenceValue)
    params = microgpt.parameters(state)
    optimizer = microgpt.Adam(params, steps)
    expected = [microgpt.train_step(state, params, optimizer, gpt.encode(word)) for word in words]
    model = gpt_from(weights)
    losses = gpt.train(model, words, steps=steps, eager=True)
    assert_close(losses, expected)
    assert_close([p.data for p in model.parameters()], [p.data for p in params], tolerance=1e-10)


def test_a_short_training_run_lowers_the_loss():
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=8, seed=0)
    words = ['anna', 'bob', 'eve']

    def mean_loss():
        with autograd.no_grad():
            return sum(model.loss(gpt.encode(word)).data for word in words) / len(words)

    before = mean_loss()
    losses = gpt.train(model, words, steps=30, lr=0.05, eager=True)
    assert len(losses) == 30 and all(math.isfinite(loss) for loss in losses)
    assert mean_loss() < 0.5 * before


def test_samples_are_names_fixed_by_the_seed():
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=8, seed=0)
    names = model.sample(count=5, temperature=0.5, seed=4)
    assert len(names) == 5
    assert all(len(name) <= 8 and set(name) <= set(string.ascii_lowercase) for name in names)
    assert model.sample(count=5, temperature=0.5, seed=4) == names
    with pytest.raises(ValueError, match='temperature must be a number > 0'):
        model.sample(temperature=0)
    with pytest.raises(ValueError, match='vocab_size 5'):
        nn.GPT(5).sample()


def test_a_low_temperature_picks_the_likeliest_token():
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=4, seed=2)
    # At a tiny temperature sampling is the argmax, whatever the seed.
    assert model.sample(count=3, temperature=1e-6, seed=0) == model.sample(count=3, temperature=1e-6, seed=9)


def test_save_and_load_round_trip(tmp_path):
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, n_layer=2, block_size=8, seed=5)
    path = tmp_path / 'model.json'
    nn.save(model, path)
    loaded = nn.load(path)
    assert isinstance(loaded, nn.GPT)
    assert loaded.architecture() == model.architecture()
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    tokens = gpt.encode('zoe')
    assert loaded.loss(tokens).data == model.loss(tokens).data


def test_a_model_file_with_a_bad_gpt_architecture_is_refused(tmp_path):
    import json

    path = tmp_path / 'model.json'
    nn.save(nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=4), path)
    document = json.loads(path.read_text())
    document['architecture']['n_head'] = 3
    path.write_text(json.dumps(document))
    with pytest.raises(nn.ModelFileError, match='must be a multiple of n_head'):
        nn.load(path)


@pytest.mark.parametrize('name', ['', 'Anna', 'o\'neil', 3])
def test_encode_refuses_what_is_not_a_name(name):
    with pytest.raises(ValueError, match='encode: a name must be'):
        gpt.encode(name)


def test_encode_and_decode():
    assert gpt.encode('ada') == [26, 0, 3, 0, 26]
    assert gpt.decode([26, 0, 3, 0, 26]) == 'ada'


# --------------------------------------------------------------------------
# python -m nn gpt


def run_cli(args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, '-m', 'nn', 'gpt', *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_trains_samples_and_writes_its_files(tmp_path):
    import re

    result = run_cli(['--steps', '3', '--samples', '4', '--temperature', '0.8', '--seed', '2',
                      '--eager', '--no-progress'], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r'trained 3 steps in \d+\.\d s \(\d+\.\d ms/step\)', lines[-1])
    start = lines.index('4 names sampled at temperature 0.8:')
    samples = [line.strip() for line in lines[start + 1:start + 5]]
    assert all(set(name) <= set(string.ascii_lowercase) for name in samples)
    folder = tmp_path / 'runs' / 'gpt'
    assert (folder / 'loss.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    model = nn.load(folder / 'model.json')
    assert isinstance(model, nn.GPT) and model.num_parameters() == 4192
    # the samples printed are the saved model's, drawn with the seed
    assert model.sample(count=4, temperature=0.8, seed=2) == samples


@pytest.mark.parametrize('args, message', [
    (['--steps', '0'], 'argument --steps: must be a positive integer, got 0'),
    (['--temperature', '-1'], 'argument --temperature: must be a finite number > 0'),
    (['--samples', 'many'], "argument --samples: expected a positive integer, got 'many'"),
    (['--seed', '1.5'], "argument --seed: expected an integer, got '1.5'"),
    (['--bogus'], 'unrecognized arguments: --bogus'),
])
def test_cli_bad_arguments_get_one_line_errors(tmp_path, args, message):
    result = run_cli(args, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not (tmp_path / 'runs').exists()


def test_forward_token_refuses_a_position_past_the_block():
    model = nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=4)
    with pytest.raises(ValueError, match='position must be an int from 0 to 3'):
        model.forward_token(1, 4, model.new_cache())


def test_traced_training_gives_the_eager_numbers_bit_for_bit():
    words = ['ada', 'bob', 'eve', 'zoe', 'anna', 'ida']  # two lengths: two programs
    traced, eager = (nn.GPT(VOCAB, n_embd=8, n_head=2, block_size=8, seed=4) for _ in range(2))
    traced_losses = gpt.train(traced, words, steps=8, eager=False)
    eager_losses = gpt.train(eager, words, steps=8, eager=True)
    assert traced_losses == eager_losses
    assert [p.data for p in traced.parameters()] == [p.data for p in eager.parameters()]
