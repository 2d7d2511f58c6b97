"""Benchmark: drawings and steps pages of graphs up to the default node limit.

    python benchmarks/drawings.py     # about half a minute on 2 cores

Each graph is one a user can make (the first three are the ones that took
minutes before the layout was made once per page and reused values were drawn
next to each use). For each: the nodes drawn (values plus
operations, the count `max_nodes` limits), the time to draw it (`draw_dot`
plus Graphviz making the SVG), the time to build its backward steps page
(`save_steps_html`) and the page's size. Targets: a drawing in under 5 s, a
page in under 10 s and under 10 KB per node, on this 2-core machine. It
prints figures and asserts nothing about speed: a benchmark, not a test.
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd import Value, draw_dot, save_steps_html  # noqa: E402 (after the path)
from autograd.draw import render  # noqa: E402
from autograd.graph import topo_order  # noqa: E402
from targets import print_targets  # noqa: E402 (benchmarks/targets.py, beside this file)

DRAW_SECONDS, PAGE_SECONDS, PAGE_BYTES_PER_NODE = 5.0, 10.0, 10_000


def product(factors):
    """x * x * ... * x: one leaf used by every operation."""
    x = Value(0.99, label='x')
    out = x
    for _ in range(factors - 1):
        out = out * x
    return out


def difference(terms):
    """x - x - ... - x: one leaf with a hundred edges (the draw that never finished)."""
    x = Value(0.5, label='x')
    out = x
    for _ in range(terms - 1):
        out = out - x
    return out


def series(terms):
    """x**1/1 + x**2/2 + ... (the steps page that took over 400 s)."""
    x = Value(0.5, label='x')
    out = x
    for k in range(2, terms + 1):
        out = out + x ** k / k
    return out


def reused_interior(factors):
    """t * t * ... * t with t = tanh(x): an interior value used by every operation."""
    t = Value(0.7, label='x').tanh()
    out = t
    for _ in range(factors - 1):
        out = out * t
    return out


def chain(length):
    """tanh(tanh(...tanh(x))): as deep as the limit allows."""
    out = Value(0.5, label='x')
    for _ in range(length):
        out = out.tanh()
    return out


def wide_sum(leaves):
    """x0 + x1 + ... : many leaves, each used once."""
    out = Value(0.0, label='x0')
    for i in range(1, leaves):
        out = out + Value(i / leaves, label=f'x{i}')
    return out


def random_dag(seed, limit=400):
    """Each operation takes the previous value and a random earlier one: long edges
    and crossings everywhere, the hard case for a layered layout. As many
    operations as fit in `limit` drawn nodes."""
    rng = random.Random(seed)
    values = [Value(rng.uniform(-1, 1), label=f'x{i}') for i in range(6)]
    while True:
        a, b = values[-1], rng.choice(values)
        made = (a * b).tanh() if rng.random() < 0.3 else (a + b if rng.random() < 0.5 else a * b)
        if drawn_nodes(made) > limit:
            return values[-1]
        values.append(made)


GRAPHS = [
    ('x*x*...*x, 80 factors', lambda: product(80)),
    ('x-x-...-x, 100 terms', lambda: difference(100)),
    ('x**k/k series, 59 terms', lambda: series(59)),
    ('x*x*...*x, 200 factors', lambda: product(200)),
    ('t*t*...*t, t = tanh(x), 199 factors', lambda: reused_interior(199)),
    ('tanh chain, 199 deep', lambda: chain(199)),
    ('sum of 134 leaves', lambda: wide_sum(134)),
    ('random graph, seed 0', lambda: random_dag(0)),
    ('random graph, seed 1', lambda: random_dag(1)),
    ('random graph, seed 2', lambda: random_dag(2)),
]


def drawn_nodes(root):
    order = topo_order(root)
    return len(order) + sum(1 for node in order if node._prev)


def measure(build, folder):
    root = build()
    root.backward()
    nodes = drawn_nodes(root)
    start = time.perf_counter()
    render(draw_dot(root), 'svg')
    draw_seconds = time.perf_counter() - start
    path = Path(folder) / 'steps.html'
    start = time.perf_counter()
    save_steps_html(root, path)
    page_seconds = time.perf_counter() - start
    return nodes, draw_seconds, page_seconds, path.stat().st_size


def report():
    """Print the table and the targets; returns whether every target was met."""
    print(f'drawings and steps pages (default max_nodes=400), {os.cpu_count()} cores:')
    print(f'  {"graph":<38}{"nodes":>6}{"draw":>9}{"page":>9}{"page size":>12}{"per node":>10}')
    worst = [0.0, 0.0, 0.0]
    with tempfile.TemporaryDirectory() as folder:
        for name, build in GRAPHS:
            nodes, draw_seconds, page_seconds, size = measure(build, folder)
            worst = [max(worst[0], draw_seconds), max(worst[1], page_seconds), max(worst[2], size / nodes)]
            print(f'  {name:<38}{nodes:>6}{draw_seconds:>8.2f}s{page_seconds:>8.2f}s'
                  f'{size / 1e3:>10.0f}KB{size / nodes / 1e3:>8.2f}KB')
    targets = [('slowest drawing', f'< {DRAW_SECONDS:g} s', f'{worst[0]:.2f} s', worst[0] < DRAW_SECONDS),
               ('slowest steps page', f'< {PAGE_SECONDS:g} s', f'{worst[1]:.2f} s', worst[1] < PAGE_SECONDS),
               ('largest page per node', '< 10 KB', f'{worst[2] / 1e3:.2f} KB', worst[2] < PAGE_BYTES_PER_NODE)]
    print_targets('drawings and steps pages', targets)
    return all(met for *_, met in targets)


if __name__ == '__main__':
    try:
        report()
    except KeyboardInterrupt:
        raise SystemExit('drawings: interrupted') from None
