"""Benchmark: microgpt's workload on an engine built like microgpt's, on this engine, and traced.

    python benchmarks/gpt.py              # about 2-4 minutes on 2 cores
    python benchmarks/gpt.py --quick      # a smoke test

The workload is microgpt's training step: one first name through a GPT of
4,192 parameters (vocabulary 27, 16 numbers per token, 4 heads, 1 layer, 16
positions), the mean cross-entropy of its next-token predictions, backward,
and an Adam update. The contenders:

- **reference**: microgpt's model code (tests/microgpt.py) on
  `ReferenceValue`, an engine built like microgpt's (nodes keep their
  children and local derivatives; numbers become leaf nodes; recursive
  topological sort), in a plain loop with the default GC;
- **ours, eager**: the same model code on `autograd.Value`, unchanged, in
  the same loop with the default GC (a user's own loop);
- **nn.GPT, eager**: `nn.GPT` through `nn.gpt.training_step(eager=True)`
  (which pauses the cyclic GC during a step);
- **nn.GPT, traced**: the same, replaying traced programs.

All start from the same weights and see the same names, and the first
losses are checked to agree. Timing is interleaved: per round, each
contender takes an untimed `gc.collect()` and one untimed warm-up step, then
the round's names one after another; medians over rounds. The eager
contenders are timed first, while no traced program exists: a program keeps
its recorded graph, and the default cyclic GC of the reference's loop would
scan those nodes too (it runs about 3x slower with the 10 programs alive).
Then the traced contender traces every name length of the data set once and
takes a second step per length, on which the guard checks each program once
(both timed separately), and its replay is timed interleaved with the
reference again (shown, not used for the ratios). A run of 1,000 traced
steps from scratch, every trace included, is compared with 1,000 times the
reference's median step. This is a benchmark, not a test: it asserts
nothing about speed.
"""

import argparse
import gc
import math
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The reference engine and microgpt's model code live with the tests that
# check them against this engine.
sys.path.insert(0, str(ROOT / 'tests'))

try:
    import autograd
    import nn
    from nn import gpt
except ImportError as error:
    raise SystemExit(f'bench: cannot import the project ({error}); run  pip install -e .') from None
import microgpt
from targets import print_targets  # noqa: E402 (benchmarks/targets.py, beside this file)

SEED = 0


def reference_like(value_class, weights):
    """`step(tokens) -> loss` for microgpt's code on `value_class`, and its state."""
    state = microgpt.make_state(weights, value_class)
    params = microgpt.parameters(state)
    optimizer = microgpt.Adam(params, steps=1000)

    def step(tokens):
        return microgpt.train_step(state, params, optimizer, tokens)
    return step, state


def nn_gpt(weights, eager):
    model = nn.GPT(gpt.VOCAB_SIZE, seed=None)
    for p, w in zip(model.parameters(), (w for rows in weights.values() for row in rows for w in row)):
        p.data = w
    return gpt.training_step(model, steps=1000, eager=eager), model


def timed_block(step, token_lists):
    """Seconds per step over `token_lists`, after gc.collect() and a warm-up step (untimed)."""
    gc.collect()
    step(token_lists[0])
    start = time.perf_counter()
    for tokens in token_lists:
        step(tokens)
    return (time.perf_counter() - start) / len(token_lists)


def check_first_losses(first):
    spread = max(first.values()) - min(first.values())
    if spread > 1e-12 * abs(first['reference']):
        raise SystemExit(f'bench: the contenders disagree on the first loss: {first}')
    print(f'first-step losses agree to {spread:.0e}: {first["reference"]!r} ({", ".join(first)})')


def timed_rounds(contenders, token_lists, rounds, block):
    """Median seconds per step of each contender: per round, each in turn on the round's names."""
    times = {name: [] for name in contenders}
    for r in range(rounds):
        names_of_round = token_lists[1 + r * block: 1 + (r + 1) * block]
        for name, step in contenders.items():
            times[name].append(timed_block(step, names_of_round))
    return {name: statistics.median(values) for name, values in times.items()}


def count_nodes(root, parents):
    seen, stack = {id(root)}, [root]
    while stack:
        for parent in parents(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def bytes_per_node(build, parents):
    """tracemalloc'd bytes held by the graph `build()` returns, per node of it (leaves included)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = count_nodes(root, parents)
    return (after - before) / nodes, nodes


def ms(seconds):
    return f'{seconds * 1e3:7.1f} ms'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer rounds, no 1,000-step run')
    args = parser.parse_args(argv)
    rounds, block = (2, 2) if args.quick else (7, 4)
    started = time.perf_counter()

    names = nn.datasets.names(seed=SEED)
    token_lists = [gpt.encode(name) for name in names]
    weights = microgpt.random_weights(gpt.VOCAB_SIZE, seed=SEED)
    print(f'Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cores')
    print(f'workload: microgpt\'s step on {len(names)} names (1990 US Census), GPT with 4,192 parameters, '
          f'Adam; names of {min(map(len, names))}-{max(map(len, names))} letters')

    contenders = {
        'reference': reference_like(microgpt.ReferenceValue, weights)[0],
        'ours, eager': reference_like(autograd.Value, weights)[0],
        'nn.GPT, eager': nn_gpt(weights, eager=True)[0],
    }
    first = {name: step(token_lists[0]) for name, step in contenders.items()}
    check_first_losses(first)
    regimes = {'reference': 'own loop, default GC', 'ours, eager': 'own loop, default GC',
               'nn.GPT, eager': 'GC paused per step', 'nn.GPT, traced': 'replay, GC paused per step'}

    # The eager contenders first, with no traced program alive: a program keeps
    # its recorded graph (65,000 nodes or so), and every full collection of the
    # default cyclic GC in the loops below would scan those too.
    median = timed_rounds(contenders, token_lists, rounds, block)
    reference = median['reference']
    print()
    print(f'training step (median of {rounds} rounds x {block} names, after a warm-up step, interleaved; '
          f'no traced program alive):')
    for name in contenders:
        print(f'  {name:<16}{regimes[name]:<28}{ms(median[name])}   {reference / median[name]:5.1f}x reference')

    replay = nn_gpt(weights, eager=False)[0]
    first['nn.GPT, traced'] = replay(token_lists[0])
    check_first_losses(first)
    one_per_length = {}
    for tokens in token_lists:
        one_per_length.setdefault(len(tokens), tokens)
    start = time.perf_counter()
    for tokens in one_per_length.values():
        replay(tokens)
    tracing = time.perf_counter() - start
    # A program's first call with other weights is checked by the guard,
    # which builds that graph again eagerly: once per program, not per step.
    start = time.perf_counter()
    for tokens in one_per_length.values():
        replay(tokens)
    checking = time.perf_counter() - start
    # The replay, interleaved with the reference again (now slowed by the programs' nodes).
    again = timed_rounds({'nn.GPT, traced': replay, 'reference': contenders['reference']},
                         token_lists, rounds, block)
    median['nn.GPT, traced'] = again['nn.GPT, traced']
    print(f'then traced every name length once: {len(one_per_length)} programs in {tracing:.1f} s '
          f'(and their one-time guard checks {checking:.1f} s); with them alive, interleaved:')
    name = 'nn.GPT, traced'
    print(f'  {name:<16}{regimes[name]:<28}{ms(median[name])}   {reference / median[name]:5.1f}x reference '
          f'(above)')
    print(f'  {"reference":<16}{regimes["reference"]:<28}{ms(again["reference"])}   '
          f'(its GC also scanning the programs\' nodes: {again["reference"] / median[name]:.1f}x the replay)')
    del replay
    gc.collect()

    print()
    tokens = gpt.encode('emily')
    ref_state = microgpt.make_state(weights, microgpt.ReferenceValue)
    our_state = microgpt.make_state(weights, autograd.Value)
    ref_bytes, ref_nodes = bytes_per_node(lambda: microgpt.loss_of(ref_state, tokens), lambda v: v._children)
    our_bytes, our_nodes = bytes_per_node(lambda: microgpt.loss_of(our_state, tokens), lambda v: v._prev)
    model = nn_gpt(weights, eager=True)[1]
    gpt_bytes, gpt_nodes = bytes_per_node(lambda: model.loss(tokens), lambda v: v._prev)
    print('graph of one step on "emily" (nodes include the 4,192 parameters; bytes per node by tracemalloc):')
    print(f'  reference      {ref_nodes:6d} nodes, {ref_bytes:5.0f} bytes per node (numbers wrapped as leaves)')
    print(f'  ours, eager    {our_nodes:6d} nodes, {our_bytes:5.0f} bytes per node')
    print(f'  nn.GPT         {gpt_nodes:6d} nodes, {gpt_bytes:5.0f} bytes per node')

    end_to_end = None
    if not args.quick:
        gc.collect()
        start = time.perf_counter()
        gpt.train(nn.GPT(gpt.VOCAB_SIZE, seed=SEED), names, steps=1000)
        end_to_end = time.perf_counter() - start
        print(f'\n1,000 traced steps from scratch, every trace included: {end_to_end:.1f} s '
              f'(reference, 1,000 x its median step: {1000 * reference:.0f} s)')

    targets = [('ours eager vs reference, per step', '>= 1.5x',
                reference / median['ours, eager'], reference >= 1.5 * median['ours, eager']),
               ('bytes per node, ours eager', '<= 150', our_bytes, our_bytes <= 150)]
    ratio = reference / median['nn.GPT, traced']
    targets.insert(1, ('nn.GPT traced vs reference, per step', '>= 8x', ratio, ratio >= 8))
    if end_to_end is not None:
        ratio = 1000 * reference / end_to_end
        targets.insert(2, ('1,000 steps with every trace vs reference', '>= 5x', ratio, ratio >= 5))
    print()
    print_targets('the GPT step', [(what, goal, f'{measured:.0f}' if goal.startswith('<=') else f'{measured:.1f}x', met)
                                   for what, goal, measured, met in targets], width=44)
    print(f'\ntotal benchmark time {time.perf_counter() - started:.0f} s')


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit('bench: interrupted') from None
