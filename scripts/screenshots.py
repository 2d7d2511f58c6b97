"""Take every screenshot the README uses, into docs/.

    .venv/bin/python scripts/screenshots.py [--only NAME ...] [--out-dir docs]

NAME is one of (default: all of them):

  playground   playground.png: the default playground (two moons,
               MLP(2, [16, 16, 1]), hinge loss) after 40 steps, the graph
               of its point of largest loss shown
  network      network_view.png: the network view after 40 steps; and
               delta_panel.png: the backward walk at the first layer, its
               entry of largest delta chosen
  test-data    playground_test_data.png: 30% of 80 noisy two-moons points
               held out (hollow markers), a 2-32-32-1 network trained 150
               steps, long enough for the test loss to part from the
               training loss
  predict      predict_mode.png: the predict-mode stepper page of the
               README's tanh neuron after a right answer and a wrong one,
               its hint shown
  site         site_playground.png: the site's playground under Pyodide
               after 40 steps, its point of largest loss shown; needs site/ (./lab site), and is
               skipped with a message without it

Every page opens in headless Chromium at 1280x800, the system's chromium
and chromedriver driven by Selenium (nothing is downloaded); playgrounds are
served on a free port of 127.0.0.1. Each image is written atomically.
"""

import argparse
import contextlib
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograd._files import write_atomically  # noqa: E402

WIDTH, HEIGHT = 1280, 800
SHOTS = ('playground', 'network', 'test-data', 'predict', 'site')


def chromium(width=WIDTH, height=HEIGHT):
    """A headless Chromium whose page (not window) is width x height: the
    site's own (site_src/serve.py), without its proxy."""
    sys.path.insert(0, os.path.join(ROOT, 'site_src'))
    from serve import chromium as site_chromium

    return site_chromium(None, width, height)


def save(driver, out_dir, name):
    time.sleep(0.5)  # let the last drawing land
    out = os.path.join(out_dir, name)
    write_atomically(out, driver.get_screenshot_as_png())
    print(f'wrote {out}')


@contextlib.contextmanager
def served(playground):
    """The playground served on 127.0.0.1, open in Chromium at step 0: yields (driver, wait)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from nn.playground import make_server

    server = make_server(playground, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium()
    try:
        driver.get(server.url)
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == 'step 0')
        yield driver, wait
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def point_loss(playground, index):
    return next(node['data'] for node in playground.graph(index)['nodes'] if node['name'] == 'loss')


def worst_point(playground):
    """The point of largest loss: one the network still gets wrong, so its graph shows non-zero grads."""
    return max(range(len(playground.X)), key=lambda i: point_loss(playground, i))


def shoot_playground_graph(playground, steps, out_dir, name):
    """Train `steps` steps (in Python: quicker than Play), select the worst point, show its graph."""
    from selenium.webdriver.common.by import By

    with served(playground) as (driver, wait):
        driver.find_element(By.CSS_SELECTOR, '.nv-tab-graph').click()  # the graph, not the network view
        playground.step(steps)
        point = worst_point(playground)
        driver.find_element(By.CSS_SELECTOR, f'circle[data-index="{point}"]').click()
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == f'step {steps}')
        wait.until(lambda d: f"point {point}'s" in d.find_element(By.CLASS_NAME, 'pg-graph-title').text)
        save(driver, out_dir, name)


def shoot_playground(out_dir):
    from nn.playground import Playground

    shoot_playground_graph(Playground(), 40, out_dir, 'playground.png')


def shoot_test_data(out_dir):
    from nn.playground import Playground

    playground = Playground(n=80, noise=0.3, hidden=(32, 32), test_fraction=0.3, l2=0.0, seed=2)
    shoot_playground_graph(playground, 150, out_dir, 'playground_test_data.png')


def shoot_network(out_dir, steps=40):
    from selenium.webdriver.common.by import By

    from nn.playground import Playground

    playground = Playground()
    with served(playground) as (driver, wait):
        playground.step(steps)
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == f'step {steps}')
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.nv-neuron')) == sum(playground.model.nouts))
        save(driver, out_dir, 'network_view.png')
        driver.find_element(By.CSS_SELECTOR, '.nv-tab-backward').click()
        for _ in range(2):  # two steps back from the output layer: L0, whose sums have 16 terms
            driver.find_element(By.CSS_SELECTOR, '.nv-earlier').click()
        deltas = [abs(n['delta'] or 0) for n in playground.state()['network'][0]]
        row = max(range(len(deltas)), key=deltas.__getitem__)  # the neuron of largest delta
        driver.find_element(By.CSS_SELECTOR, f'.nv-delta-row[data-index="{row}"]').click()
        save(driver, out_dir, 'delta_panel.png')


def readme_neuron():
    """The README's o = tanh(x1*w1 + x2*w2 + b), labelled as docs/graph.svg
    draws it: the same graph the drawing tests use (tests/drawings.py)."""
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    from drawings import neuron

    return neuron()[0]


def shoot_predict(out_dir):
    """Step 1 (o = tanh(n)): d(o)/d(n) answered right, then n.grad answered with 1 - t, whose hint shows."""
    from autograd import save_steps_html

    def answer(driver, typed):
        box = driver.find_element('css selector', '.bl-stepper .answer')
        box.clear()
        box.send_keys(typed)
        driver.find_element('css selector', '.bl-stepper .check').click()

    with tempfile.TemporaryDirectory() as folder:
        page = save_steps_html(readme_neuron(), Path(folder) / 'predict.html', predict=True)
        driver = chromium(height=460)  # the page is short: no empty half below it
        try:
            driver.get(page.as_uri())
            driver.find_element('css selector', '.bl-stepper .next').click()
            answer(driver, '1 - t**2')
            answer(driver, '1 - 0.7071')  # 1 - t instead of 1 - t**2
            hint = driver.find_element('css selector', '.bl-predict .hint').text
            if 'tanh' not in hint:
                raise RuntimeError(f'predict mode showed no hint for 1 - t: {hint!r}')
            save(driver, out_dir, 'predict_mode.png')
        finally:
            driver.quit()


def shoot_site(out_dir, steps=40):
    """The built site's playground after `steps` clicks on Step, its worst point selected."""
    site = os.path.join(ROOT, 'site')
    if not os.path.isdir(site):
        print(f'skipped site_playground.png: {site} is not built (./lab site builds it)')
        return
    sys.path.insert(0, os.path.join(ROOT, 'site_src'))
    from serve import RefusingProxy, serve_site
    from serve import chromium as site_chromium

    from nn.playground import Playground

    server, proxy = serve_site(site), RefusingProxy()
    driver = site_chromium(proxy)

    def step():
        match = re.fullmatch(r'step (\d+)', driver.find_element('css selector', '.pg-step-count').text)
        return int(match.group(1)) if match else -1

    def wait(condition, timeout=180):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError('the site playground did not get there')
            time.sleep(0.1)

    try:
        driver.get(server.url + 'playground.html')
        wait(lambda: step() == 0)
        # Step by step, not Play: Play runs on past `steps` before Pause lands, to where
        # every point is right and the graph shows only zero grads.
        for count in range(1, steps + 1):
            driver.find_element('xpath', '//button[normalize-space()="Step"]').click()
            wait(lambda: step() == count)  # noqa: B023 (called at once, in this iteration)
        # The same run in CPython (up to the last bits of Pyodide's maths library) names the worst point.
        playground = Playground()
        playground.step(step())
        point = worst_point(playground)
        driver.find_element('css selector', '.nv-tab-graph').click()
        driver.find_element('css selector', f'circle[data-index="{point}"]').click()
        wait(lambda: f"point {point}'s" in driver.find_element('css selector', '.pg-graph-title').text)
        save(driver, out_dir, 'site_playground.png')
    finally:
        driver.quit()
        proxy.close()
        server.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', nargs='+', choices=SHOTS, default=SHOTS, metavar='NAME',
                        help=f'take only these: {", ".join(SHOTS)} (default: all)')
    parser.add_argument('--out-dir', default=os.path.join(ROOT, 'docs'))
    args = parser.parse_args(argv)
    shoot = {'playground': shoot_playground, 'network': shoot_network, 'test-data': shoot_test_data,
             'predict': shoot_predict, 'site': shoot_site}
    for name in SHOTS:
        if name in args.only:
            shoot[name](args.out_dir)


if __name__ == '__main__':
    main()
