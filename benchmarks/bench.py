"""Benchmark: this engine against micrograd 0.1.0 and hand-written plain floats.

    python benchmarks/bench.py            # the full run, under 3 minutes
    python benchmarks/bench.py --quick    # fewer repeats, for a smoke test

It ends with the drawings section (benchmarks/drawings.py, also runnable alone).

The workload is micrograd's demo step: MLP(2, [16, 16, 1]) (337 parameters)
on 100 two-moons points, max-margin loss

    loss = mean(relu(1 - y * score)) + 1e-4 * sum(p * p)

and one step = forward over all points + loss + zero_grad + backward + SGD.
All contenders start from the same weights (micrograd's, copied), so they do
the same arithmetic; the losses are checked to agree before timing.

Timings are interleaved in one process (contender A, B, C, then again), and
each figure is the median over rounds. Before each contender's block the
cyclic garbage collector is run untimed, so nobody pays for another's
garbage, and one untimed warm-up step is taken; then the timed steps run
back to back with the default GC settings, as in a user's own training loop.
`nn.fit` is timed through its per-step callback. The traced contender runs
the same step as a program recorded once by `autograd.trace` and replayed
(forward + backward) every step; its first step is checked to give the eager
step's loss and updated weights bit for bit.

This is a benchmark, not a test: it prints figures and asserts nothing about
speed. It does check the arithmetic it compares: the first losses agree, the chain's
gradient is exact, and backward matches central differences.
"""

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

# Run from a checkout without installing: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:
    import nn
    from autograd import Value, no_grad, trace
except ImportError as error:
    raise SystemExit(f'bench: cannot import the project ({error}); run  pip install -e ".[bench]"') from None

from targets import print_targets  # noqa: E402 (benchmarks/targets.py, beside this file)

LAYER_SIZES = [2, 16, 16, 1]
N_POINTS = 100
REG = 1e-4
LEARNING_RATE = 0.05
SEED = 1337


# --------------------------------------------------------------------------
# Data and the shared initial weights


def two_moons(n, seed, noise=0.1):
    """n points of `nn.datasets.moons` with labels -1 / +1 (micrograd's convention)."""
    points, classes = nn.datasets.moons(n=n, noise=noise, seed=seed)
    return points, [2.0 * c - 1.0 for c in classes]


def float_weights(micrograd_model):
    """[(weights: rows of floats, biases: floats)] per layer, from micrograd's model."""
    return [([[w.data for w in neuron.w] for neuron in layer.neurons],
             [neuron.b.data for neuron in layer.neurons])
            for layer in micrograd_model.layers]


# --------------------------------------------------------------------------
# This engine: `nn.MLP`, whose neuron computes b + w0*x0 + w1*x1 + ... as
# micrograd's does, with the ReLU on every layer but the last.


def make_ours(weights):
    """An `nn.MLP` with the given weights."""
    model = nn.MLP(LAYER_SIZES[0], LAYER_SIZES[1:])
    for layer, (rows, biases) in zip(model.layers, weights):
        for neuron, row, bias in zip(layer.neurons, rows, biases):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model


def step_loss(model, points, labels, parameters):
    """The max-margin loss as a graph (works for this engine and micrograd)."""
    scores = [model(x) for x in points]
    losses = [(1 - y * score).relu() for y, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = REG * sum(p * p for p in parameters)
    return data_loss + reg_loss


def graph_step(model, parameters, points, labels):
    """One training step with an autograd engine; returns the loss."""
    loss = step_loss(model, points, labels, parameters)
    model.zero_grad()
    loss.backward()
    for p in parameters:
        p.data -= LEARNING_RATE * p.grad
    return loss.data


def traced_step_runner(model, parameters, labels, points):
    """(program, step): the step's loss traced once, and one training step replaying it."""
    program = trace(lambda xs: step_loss(model, xs, labels, parameters), points)

    def step():
        model.zero_grad()
        loss = program(points)
        for p in parameters:
            p.data -= LEARNING_RATE * p.grad
        return loss

    return program, step


def tracing_seconds(weights, points, labels, rounds):
    """Median seconds of `trace` on the step's loss (an eager forward plus
    recording), and of the guard's one check (made on the second call: an
    eager forward and a comparison), that call's replay taken off."""
    traces, checks = [], []
    for _ in range(rounds):
        model = make_ours(weights)
        parameters = model.parameters()
        gc.collect()
        start = time.perf_counter()
        _, step = traced_step_runner(model, parameters, labels, points)
        traced = time.perf_counter()
        step()
        first = time.perf_counter()
        step()  # the weights changed: this call checks the recording
        second = time.perf_counter()
        step()
        third = time.perf_counter()
        traces.append(traced - start)
        checks.append((second - first) - (third - second))
    return statistics.median(traces), statistics.median(checks)


def interleaved_medians(contenders, rounds):
    """The median time of each contender, measured one block each, round after round."""
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, measure in contenders.items():
            times[name].append(measure())
    return {name: statistics.median(values) for name, values in times.items()}


def check_traced_step_is_eager_bit_for_bit(weights, points, labels):
    """One traced step and one eager step from the same weights: the same loss and weights, to the bit."""
    eager_model, traced_model = make_ours(weights), make_ours(weights)
    eager_parameters, traced_parameters = eager_model.parameters(), traced_model.parameters()
    _, step = traced_step_runner(traced_model, traced_parameters, labels, points)
    for _ in range(2):  # the second step checks the replay with updated weights
        eager_loss = graph_step(eager_model, eager_parameters, points, labels)
        traced_loss = step()
        same = eager_loss.hex() == traced_loss.hex() and all(
            a.data.hex() == b.data.hex() for a, b in zip(eager_parameters, traced_parameters))
        if not same:
            raise SystemExit('bench: the traced step differs from the eager step')


# --------------------------------------------------------------------------
# Contender 3: the same step written by hand in plain floats (the floor).


def float_step(layers, points, labels):
    """Forward and backward of the MLP and the loss, by hand; updates `layers` in place."""
    n = len(points)
    grads = [([[0.0] * len(row) for row in rows], [0.0] * len(biases)) for rows, biases in layers]
    last = len(layers) - 1
    data_loss = 0.0
    for x, y in zip(points, labels):
        inputs, pre_acts = [], []  # each layer's input and pre-activation, for the backward
        activation = x
        for index, (rows, biases) in enumerate(layers):
            inputs.append(activation)
            pre = []
            for row, bias in zip(rows, biases):
                total = bias
                for w, xi in zip(row, activation):
                    total += w * xi
                pre.append(total)
            pre_acts.append(pre)
            activation = pre if index == last else [z if z > 0.0 else 0.0 for z in pre]
        margin = 1.0 - y * activation[0]
        if margin > 0.0:
            data_loss += margin
            d_out = [-y / n]
        else:
            d_out = [0.0]
        # Backward through the layers: d_out is d(loss)/d(this layer's output).
        for index in range(last, -1, -1):
            rows, _ = layers[index]
            grad_rows, grad_biases = grads[index]
            pre = pre_acts[index]
            d_pre = d_out if index == last else [g if z > 0.0 else 0.0 for g, z in zip(d_out, pre)]
            layer_input = inputs[index]
            d_in = [0.0] * len(layer_input)
            for j, (row, g) in enumerate(zip(rows, d_pre)):
                grad_biases[j] += g
                grad_row = grad_rows[j]
                for k, w in enumerate(row):
                    grad_row[k] += g * layer_input[k]
                    d_in[k] += g * w
            d_out = d_in
    reg_loss = 0.0
    for (rows, biases), (grad_rows, grad_biases) in zip(layers, grads):
        for row, grad_row in zip(rows, grad_rows):
            for k, w in enumerate(row):
                reg_loss += w * w
                row[k] = w - LEARNING_RATE * (grad_row[k] + 2.0 * REG * w)
        for j, b in enumerate(biases):
            reg_loss += b * b
            biases[j] = b - LEARNING_RATE * (grad_biases[j] + 2.0 * REG * b)
    return data_loss * (1.0 / n) + REG * reg_loss


# --------------------------------------------------------------------------
# Measuring


def timed_block(step, steps):
    """Seconds per step for `steps` consecutive calls, in a loop's steady state.

    The cyclic GC is run first, untimed, so that no contender pays for
    another's garbage; then one untimed warm-up step, so that the timed steps,
    like every step of a real training loop but the first, run with the
    previous step's graph just dropped.
    """
    gc.collect()
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def count_nodes(root):
    """Nodes in a graph (works for micrograd too, whose `_prev` is a set)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def bytes_per_node(build):
    """tracemalloc'd bytes held by the graph `build()` returns, per node created."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    after_forward = tracemalloc.get_traced_memory()[0]
    nodes = count_nodes(root)
    root.backward()
    after_backward = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after_forward - before) / nodes, (after_backward - before) / nodes, nodes


def cycles_left(build):
    """Objects `gc.collect()` finds after a step's graph is dropped, cyclic GC off."""
    gc.collect()
    gc.disable()
    try:
        root = build()
        root.backward()
        del root
        return gc.collect()
    finally:
        gc.enable()


def chain(n_ops):
    """Build and backward a chain of n_ops operations (alternating * and +)."""
    factor = 1.0 + 1e-6
    x = Value(0.5)
    start = time.perf_counter()
    y = x
    for _ in range(n_ops // 2):
        y = y * factor + 1e-7
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    expected = factor ** (n_ops // 2)
    if not math.isclose(x.grad, expected, rel_tol=1e-9):
        raise SystemExit(f'bench: chain gradient {x.grad!r} != {expected!r}')
    start_free = time.perf_counter()
    del y
    freed = time.perf_counter()
    return built - start, done - built, freed - start_free


def central_difference_vs_backward(weights, points, labels, eps=1e-6):
    """Full gradient of the loss on `points`: 2 forwards per parameter vs one backward."""
    model = make_ours(weights)
    parameters = model.parameters()
    start = time.perf_counter()
    loss = step_loss(model, points, labels, parameters)
    loss.backward()
    backward_seconds = time.perf_counter() - start
    analytic = [p.grad for p in parameters]
    start = time.perf_counter()
    numeric = []
    with no_grad():
        for p in parameters:
            saved = p.data
            p.data = saved + eps
            up = step_loss(model, points, labels, parameters).data
            p.data = saved - eps
            down = step_loss(model, points, labels, parameters).data
            p.data = saved
            numeric.append((up - down) / (2 * eps))
    numeric_seconds = time.perf_counter() - start
    worst = max(abs(a - b) for a, b in zip(analytic, numeric))
    if worst > 1e-5:
        raise SystemExit(f'bench: backward and central differences differ by {worst:.1e}')
    return numeric_seconds, backward_seconds, worst


def fit_runner(weights, points, labels):
    """`run(steps)`: (seconds per step of `nn.fit`, first loss).

    A fresh model each run. The time is fit's own `history.seconds` (its
    whole loop) over the steps: fit traces the step on its first step and
    checks the recording on its second, and both costs are included.
    """
    classes = [1 if label > 0 else 0 for label in labels]

    def run(steps):
        model = make_ours(weights)
        gc.collect()
        history = nn.fit(model, points, classes, loss='hinge', optimizer='sgd', lr=LEARNING_RATE,
                         l2=REG, steps=steps, progress=False)
        return history.seconds / steps, history.loss[0]

    return run


def ms(seconds):
    return f'{seconds * 1e3:7.1f} ms'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer rounds and a shorter chain (a smoke test)')
    args = parser.parse_args(argv)
    rounds, block = (2, 1) if args.quick else (5, 3)
    fit_block = 5 if args.quick else 20
    chain_ops = 100_000 if args.quick else 1_000_000

    try:
        from micrograd.nn import MLP as MGMLP
    except ImportError:
        raise SystemExit('bench: micrograd is missing; install it with  pip install -e ".[bench]"') from None

    started = time.perf_counter()
    print(f'Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cores; micrograd 0.1.0')
    points, labels = two_moons(N_POINTS, SEED)
    random.seed(SEED)
    mg_model = MGMLP(LAYER_SIZES[0], LAYER_SIZES[1:])
    weights = float_weights(mg_model)
    mg_parameters = mg_model.parameters()
    ours = make_ours(weights)
    ours_parameters = ours.parameters()
    floor_layers = [([list(row) for row in rows], list(biases)) for rows, biases in weights]
    print(f'workload: MLP{LAYER_SIZES} ({len(ours_parameters)} parameters, '
          f'{type(ours).__module__}.{type(ours).__name__}), {N_POINTS} two-moons points, '
          f'SGD lr={LEARNING_RATE}, L2 {REG}')

    # The comparison is only fair if everybody computes the same thing, from
    # the same weights: check the first losses (fit sums then divides by N,
    # where micrograd's demo multiplies by 1/N, hence "to rounding").
    first = {'ours': graph_step(ours, ours_parameters, points, labels),
             'micrograd': graph_step(mg_model, mg_parameters, points, labels),
             'floats': float_step(floor_layers, points, labels)}
    first['ours, nn.fit'] = fit_runner(weights, points, labels)(1)[1]
    spread = max(first.values()) - min(first.values())
    if spread > 1e-12 * max(1.0, abs(first['micrograd'])):
        raise SystemExit(f'bench: the contenders disagree on the first loss: {first}')
    print('first-step losses agree to {:.0e}: '.format(spread)
          + ', '.join(f'{name} {loss!r}' for name, loss in first.items()))

    check_traced_step_is_eager_bit_for_bit(weights, points, labels)
    print('traced step: loss and all updated weights equal the eager step\'s, bit for bit (2 steps)')

    fit_steps = fit_runner(weights, points, labels)
    # Interleaved: one block of consecutive steps per contender, round after round.
    # Two groups: a traced program keeps its 65,000 recorded nodes alive, and
    # every full collection of the cyclic GC would scan them during the eager
    # contenders' steps; so the eager group runs with no program alive, then
    # the replay runs interleaved with the float floor again.
    eager_contenders = {
        'micrograd': lambda: timed_block(lambda: graph_step(mg_model, mg_parameters, points, labels), block),
        'ours': lambda: timed_block(lambda: graph_step(ours, ours_parameters, points, labels), block),
        'floats': lambda: timed_block(lambda: float_step(floor_layers, points, labels), block),
        'ours, nn.fit': lambda: fit_steps(fit_block)[0],
    }
    median = interleaved_medians(eager_contenders, rounds)
    traced_model = make_ours(weights)
    traced_parameters = traced_model.parameters()
    program, traced_step = traced_step_runner(traced_model, traced_parameters, labels, points)
    traced_step()
    traced_step()  # the guard's check: untimed here, counted with the tracing below
    replay_contenders = {
        'floats': eager_contenders['floats'],
        'ours, traced': lambda: timed_block(traced_step, block),
    }
    replay_median = interleaved_medians(replay_contenders, rounds)
    # The replay against the floor measured beside it, expressed on the eager group's floor.
    median['ours, traced'] = replay_median['ours, traced'] * median['floats'] / replay_median['floats']
    print()
    print(f'training step (median of {rounds} rounds x {block} consecutive steps after a warm-up step, interleaved;\n'
          f'  the replay interleaved with the float floor in a second group, scaled to the first group\'s floor):')
    regimes = {'micrograd': 'own loop, default GC', 'ours': 'own loop, default GC',
               'ours, nn.fit': f'nn.fit, {fit_block} steps, all in', 'floats': 'by hand, default GC',
               'ours, traced': 'own loop, replayed program'}
    for name in (*eager_contenders, 'ours, traced'):
        print(f'  {name:<14}{regimes[name]:<30}{ms(median[name])}   '
              f'{median["micrograd"] / median[name]:6.1f}x micrograd   '
              f'{median[name] / median["floats"]:5.1f}x the float floor')

    trace_seconds, check_seconds = tracing_seconds(weights, points, labels, rounds)
    tracing_in_steps = (trace_seconds + check_seconds) / median['ours']
    saved_per_step = median['ours'] - median['ours, traced']
    print(f'\ntracing: trace() {ms(trace_seconds)} (an eager forward, then recording '
          f'{len(program._last.interior):,} operations and compiling them into batches), the '
          f'guard\'s check on the 2nd call {ms(check_seconds)};\n  together {tracing_in_steps:.1f} '
          f'eager steps, paid back after '
          f'{math.ceil((trace_seconds + check_seconds) / saved_per_step)} replayed steps.')

    print()
    ours_nodes = count_nodes(step_loss(ours, points, labels, ours_parameters))
    mg_nodes = count_nodes(step_loss(mg_model, points, labels, mg_parameters))
    print(f'step graph: ours {ours_nodes} nodes, micrograd {mg_nodes} (it wraps every number as a leaf node)')
    for name, model, parameters in (('ours', ours, ours_parameters), ('micrograd', mg_model, mg_parameters)):
        built, after_backward, _ = bytes_per_node(lambda: step_loss(model, points, labels, parameters))
        found = cycles_left(lambda: step_loss(model, points, labels, parameters))
        if name == 'ours':
            our_bytes, our_cycles = built, found
        print(f'  {name:<10} bytes per node (tracemalloc) {built:4.0f} built, {after_backward:4.0f} after backward;'
              f'  gc.collect() after the dropped graph, cyclic GC off: {found}')

    ratios = {}
    for gc_on in (True, False):
        forward, backward = ratios[gc_on] = forward_backward(ours, ours_parameters, points, labels, rounds, gc_on)
        print(f'  ours       forward {ms(forward)}, backward {ms(backward)}, backward / forward = '
              f'{backward / forward:.2f}  ({"default GC" if gc_on else "cyclic GC off, as in nn.fit"})')

    print()
    gc.collect()
    build, back, free = chain(chain_ops)
    print(f'chain of {chain_ops:,} operations (ours): build {build:.2f} s, backward {back:.2f} s, '
          f'freeing {free:.2f} s; micrograd not run: its recursive backward fails past ~500 links')

    numeric, analytic, worst = central_difference_vs_backward(weights, points[:10], labels[:10])
    print(f'full gradient on 10 points (ours): central differences {numeric:.2f} s, one forward+backward '
          f'{analytic * 1e3:.1f} ms ({numeric / analytic:.0f}x); largest difference {worst:.1e}')

    # The project's targets for the engine's speed and memory, against this run's figures.
    gc_forward, gc_backward = ratios[True]
    off_forward, off_backward = ratios[False]
    targets = [
        ('own loop, default GC, vs micrograd', '>= 4x', f'{median["micrograd"] / median["ours"]:.1f}x',
         median['micrograd'] >= 4 * median['ours']),
        ('bytes per node on the step graph', '<= 400 (aim 250)', f'{our_bytes:.0f}', our_bytes <= 400),
        ('gc.collect() after a dropped step graph', '= 0', f'{our_cycles}', our_cycles == 0),
        (f'chain of {chain_ops:,}: backward', '< 5 s', f'{back:.2f} s', back < 5.0),
        ('backward / forward, default GC', '<= 1.0', f'{gc_backward / gc_forward:.2f}', gc_backward <= gc_forward),
        ('backward / forward, cyclic GC off', '<= 1.0', f'{off_backward / off_forward:.2f}',
         off_backward <= off_forward),
    ]
    fit_ratio = median['micrograd'] / median['ours, nn.fit']
    targets.insert(1, ('through nn.fit vs micrograd', '>= 10x', f'{fit_ratio:.1f}x', fit_ratio >= 10))
    print()
    print_targets('the eager engine', targets)
    traced_ratio = median['ours, traced'] / median['floats']
    trace_targets = [
        ('traced step vs the float floor', '<= 2.5x', f'{traced_ratio:.1f}x', traced_ratio <= 2.5),
        ('tracing cost, in eager steps', '<= 3', f'{tracing_in_steps:.1f}', tracing_in_steps <= 3),
        ('own loop, eager, vs micrograd', '>= 10x', f'{median["micrograd"] / median["ours"]:.1f}x',
         median['micrograd'] >= 10 * median['ours']),
        ('bytes per node on the step graph', '<= 160', f'{our_bytes:.0f}', our_bytes <= 160),
    ]
    print()
    print_targets('the traced replay', trace_targets)
    print()
    import drawings  # benchmarks/drawings.py: drawings and steps pages

    drawings.report()
    print(f'\ntotal benchmark time {time.perf_counter() - started:.0f} s')


def forward_backward(model, parameters, points, labels, rounds, gc_on):
    """Median seconds of the step's forward (graph + loss) and of its backward."""
    forward_times, backward_times = [], []
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            loss = step_loss(model, points, labels, parameters)
            middle = time.perf_counter()
            loss.backward()
            end = time.perf_counter()
            del loss
            forward_times.append(middle - start)
            backward_times.append(end - middle)
    finally:
        gc.enable()
    return statistics.median(forward_times), statistics.median(backward_times)


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit('bench: interrupted') from None
