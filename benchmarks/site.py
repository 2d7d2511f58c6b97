"""The static site in headless Chromium: how soon each page is usable, how fast
the playground trains, and how much the site and each page weigh.

    python benchmarks/site.py [--seconds 20] [--rounds 2]    (after ./lab site)

Serves site/ on 127.0.0.1 (every other host refused, as in the tests) and,
for each page and round, opens it in a fresh browser (an empty cache, as a
first visit) and times until it can be used: the console takes input, the
drawer has drawn `tanh(x*w + b)`, the playground shows `step 0`. Then it
presses the playground's Play and counts the steps shown over --seconds: the
default network 2-16-16-1 on 100 points, every panel drawn. Goals: a page
usable in under 5 s, at least 5 steps a second. The machine's load is
printed with the figures: on a shared two-core machine it moves them a lot.
"""

import argparse
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'site_src'))

from serve import RefusingProxy, chromium, serve_site  # noqa: E402

SITE = os.path.join(ROOT, 'site')

# What each page downloads, from the site's own files (the worker's fetches
# included): Python for all three, graphviz's Python package and Viz.js only
# where a graph is drawn with Graphviz.
PYTHON = ['pyodide/pyodide.mjs', 'pyodide/pyodide.asm.mjs', 'pyodide/pyodide.asm.wasm',
          'pyodide/python_stdlib.zip', 'pyodide/pyodide-lock.json', 'python/backprop_lab.zip',
          'worker.js', 'python.js', 'site.css', 'favicon.svg']
PAGES = {
    'console.html': ('#line:not([disabled])', PYTHON + ['console.js', 'python/graphviz-0.21-py3-none-any.whl']),
    'draw.html': ('body[data-drawn=yes]', PYTHON + ['draw.js', 'vendor/viz.js', 'front/stepper.js', 'front/stepper.css',
                                                    'front/stepper-palette.css',
                                                    'python/graphviz-0.21-py3-none-any.whl']),
    'playground.html': (None, PYTHON + ['playground_site.js', 'front/playground.js', 'front/playground.css',
                                        'front/network.js', 'front/network.css',
                                        'front/palette.json']),
}


def step_shown(driver):
    text = driver.find_element('css selector', '.pg-step-count').text
    match = re.fullmatch(r'step (\d+)', text)
    return int(match.group(1)) if match else None


def wait(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.02)
    raise TimeoutError('the page did not become usable')


def time_to_usable(url, page, proxy):
    selector = PAGES[page][0]
    driver = chromium(proxy)
    try:
        started = time.perf_counter()
        driver.get(url + page)
        if selector is None:
            wait(lambda: step_shown(driver) == 0)
        else:
            wait(lambda: driver.find_elements('css selector', selector))
        return time.perf_counter() - started
    finally:
        driver.quit()


def steps_per_second(url, proxy, seconds):
    driver = chromium(proxy)
    try:
        driver.get(url + 'playground.html')
        wait(lambda: step_shown(driver) == 0)
        driver.find_element('xpath', '//button[normalize-space()="Play"]').click()
        wait(lambda: (step_shown(driver) or 0) >= 1)  # the first state of the run
        first, started = step_shown(driver), time.perf_counter()
        time.sleep(seconds)
        last, ended = step_shown(driver), time.perf_counter()
        driver.find_element('xpath', '//button[normalize-space()="Pause"]').click()
        return (last - first) / (ended - started)
    finally:
        driver.quit()


def size(path):
    return os.path.getsize(os.path.join(SITE, path))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=20, help='how long the playground trains')
    parser.add_argument('--rounds', type=int, default=2, help='page loads per page')
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(SITE, 'index.html')):
        print('site/ is not built: run ./lab site first', file=sys.stderr)
        return 2
    server, proxy = serve_site(SITE), RefusingProxy()
    try:
        print(f'load average at the start: {os.getloadavg()[0]:.1f} (2 cores)')
        total = sum(os.path.getsize(os.path.join(folder, name))
                    for folder, _, files in os.walk(SITE) for name in files)
        print(f'site/: {total / 1e6:.1f} MB in all')
        for page, (_, files) in PAGES.items():
            print(f'{page}: downloads {sum(map(size, files)) / 1e6:.1f} MB')
        for page in PAGES:
            times = [time_to_usable(server.url, page, proxy) for _ in range(args.rounds)]
            print(f'{page}: usable after {statistics.median(times):.1f} s '
                  f'(median of {len(times)}: {", ".join(f"{t:.1f}" for t in times)}; goal < 5 s)')
        rate = steps_per_second(server.url, proxy, args.seconds)
        print(f'playground 2-16-16-1, every panel: {rate:.1f} training steps/s over {args.seconds:g} s (goal >= 5)')
        print(f'load average at the end: {os.getloadavg()[0]:.1f}')
    finally:
        proxy.close()
        server.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
