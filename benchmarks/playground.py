"""Benchmark: the playground's training speed with every panel live.

    python benchmarks/playground.py             # about 30 seconds
    python benchmarks/playground.py --browser   # and a headless Chromium drawing the page meanwhile

The default playground (two moons, 100 points, MLP(2, [16, 16, 1]), hinge
loss, Adam) is served on 127.0.0.1 and set playing, as a user's Play does.
While it trains, a client polls the state as the page does (every 50 ms),
or, with --browser, the page itself runs in headless Chromium (the system's
chromium and chromedriver), redrawing every panel. The figure is the number
of training steps per second over the measuring window; the target is at
least 5 on the 2-core machine.

Also timed, one by one: a training step alone, the parts of a state (the
decision boundary, the selected point's graph, the parameter table), the
JSON sent to the page, and the 60 x 60 boundary computed both ways (numpy
matrix form, and the engine under no_grad).
"""

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn.network import _grid_outputs, network_view  # noqa: E402
from nn.playground import GRID, Playground, make_server  # noqa: E402
from nn.playground.view import parameter_table, scores_floats, scores_numpy  # noqa: E402


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def parts(repeats):
    pg = Playground()
    pg.step(3)
    xs = [-1.5 + 4 * (i + 0.5) / GRID for i in range(GRID)]
    ys = [-1.0 + 2.5 * (j + 0.5) / GRID for j in range(GRID)]
    rows = [
        ('training step (forward, loss, backward, Adam)', median_seconds(pg._train_step, repeats)),
        ('a step as the playground takes it (and records a frame)', median_seconds(pg.step, repeats)),
        (f'boundary {GRID}x{GRID}, numpy matrix form', median_seconds(lambda: scores_numpy(pg.model, xs, ys), repeats)),
        (f'boundary {GRID}x{GRID}, plain floats (no numpy)', median_seconds(lambda: scores_floats(pg.model, xs, ys), 1)),
        ('boundary as sent (numpy + cells)', median_seconds(pg.boundary, repeats)),
        ("selected point's graph, one box per neuron", median_seconds(pg.graph, repeats)),
        ("selected point's graph, every operation", median_seconds(lambda: pg.graph(full=True), repeats)),
        ('parameter table (value, grad, m, v)', median_seconds(lambda: parameter_table(pg.optimizer, pg.parameter_names), repeats)),
        ('network view: read from the graph, no heatmaps', median_seconds(
            lambda: network_view(pg.model, pg.X[0], pg._loss_fn, pg._targets[0]), repeats)),
        ('network view: heatmaps 16x16, numpy matrix form', median_seconds(
            lambda: _grid_outputs(pg.model, pg.extent, 16, use_numpy=True), repeats)),
        ('network view: heatmaps 16x16, plain floats (no numpy)', median_seconds(
            lambda: _grid_outputs(pg.model, pg.extent, 16, use_numpy=False), 3)),
    ]
    state = pg.state()
    rows.append(('state as JSON', median_seconds(lambda: json.dumps(state, separators=(',', ':')), repeats)))
    return rows


def poller(port, stop):
    """What the page does: ask for the state every 50 ms, read it all."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    version = -1
    while not stop.is_set():
        connection.request('GET', f'/api/state?since={version}')
        data = json.loads(connection.getresponse().read())
        version = data['version']
        time.sleep(0.05)
    connection.close()


def live_rate(seconds, browser):
    pg = Playground()
    server = make_server(pg, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    driver = None
    try:
        if browser:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'scripts'))
            from screenshots import chromium
            from selenium.webdriver.common.by import By

            driver = chromium()
            driver.get(server.url)
            while driver.find_element(By.CLASS_NAME, 'pg-step-count').text != 'step 0':
                time.sleep(0.05)
            driver.find_element(By.XPATH, '//button[normalize-space()="Play"]').click()
        else:
            threading.Thread(target=poller, args=(server.server_address[1], stop), daemon=True).start()
            server.session.handle({'action': 'play'})
        while pg.steps < 3:  # past the start-up
            time.sleep(0.01)
        first, started = pg.steps, time.perf_counter()
        time.sleep(seconds)
        done, elapsed = pg.steps - first, time.perf_counter() - started
        shown = None
        if driver is not None:
            shown = driver.find_element(By.CLASS_NAME, 'pg-step-count').text
        return done / elapsed, shown
    finally:
        stop.set()
        server.session.pause()
        if driver is not None:
            driver.quit()
        server.shutdown()
        server.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=10.0, help='length of the measuring window')
    parser.add_argument('--repeats', type=int, default=15, help='repeats of each part')
    parser.add_argument('--browser', action='store_true', help='draw the page in headless Chromium meanwhile')
    args = parser.parse_args(argv)

    print('The playground, default settings: moons (100 points), MLP(2, [16, 16, 1]), hinge, Adam 0.05')
    print('\nparts (median of repeats):')
    for name, seconds in parts(args.repeats):
        print(f'  {name:<50} {1000 * seconds:8.1f} ms')
    rate, shown = live_rate(args.seconds, args.browser)
    client = 'headless Chromium drawing the page' if args.browser else 'a client polling every 50 ms'
    print(f'\nlive, every panel in every state, {client}:')
    print(f'  {rate:.1f} training steps per second (target >= 5)' + (f'; the page showed {shown!r}' if shown else ''))


if __name__ == '__main__':
    main()
