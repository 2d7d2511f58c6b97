"""Take the README's screenshots of the playground: docs/playground.png, and
with held-out test points, docs/playground_test_data.png.

    .venv/bin/python docs/screenshot.py [--out docs/playground.png] [--steps 150]
    .venv/bin/python docs/screenshot.py --test-data [--out docs/playground_test_data.png]

With --test-data the playground holds out 30% of a noisy two-moons set of 80
points and trains a wide network long enough for the test loss to part from
the training loss (hollow markers are the test points).

Serves the default playground on a free port of 127.0.0.1, opens it in
headless Chromium at 1280x800 (the system's chromium and chromedriver,
driven by Selenium; nothing is downloaded), trains, pauses, selects a point
and saves the window as PNG (atomically).
"""

import argparse
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograd._files import write_atomically  # noqa: E402
from nn.playground import Playground, make_server  # noqa: E402

CHROMEDRIVER = '/usr/bin/chromedriver'


def chromium(width=1280, height=800):
    """A headless Chromium driven through the system's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     f'--window-size={width},{height}', '--force-device-scale-factor=1'):
        options.add_argument(argument)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    # An explicit driver path: Selenium Manager then has nothing to download.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    # The page itself, not the window around it, is width x height.
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                           {'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False})
    return driver


def _point_loss(playground, index):
    return next(node['data'] for node in playground.graph(index)['nodes'] if node['name'] == 'loss')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=None, help='default: docs/playground.png '
                        '(docs/playground_test_data.png with --test-data)')
    parser.add_argument('--steps', type=int, default=None, help='train this many steps first (default 40; 150 '
                        'with --test-data)')
    parser.add_argument('--test-data', action='store_true', help='hold out test points and show them')
    parser.add_argument('--point', type=int, default=None,
                        help="the point whose graph is shown; default: the one of largest loss")
    args = parser.parse_args(argv)
    name = 'playground_test_data.png' if args.test_data else 'playground.png'
    args.out = args.out or os.path.join(ROOT, 'docs', name)
    if args.steps is None:
        args.steps = 150 if args.test_data else 40

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    playground = (Playground(n=80, noise=0.3, hidden=(32, 32), test_fraction=0.3, l2=0.0, seed=2)
                  if args.test_data else Playground())
    server = make_server(playground, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium()
    try:
        driver.get(server.url)
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == 'step 0')
        driver.find_element(By.CSS_SELECTOR, '.nv-tab-graph').click()  # the graph, not the network view
        # Train in Python (quicker than clicking Play and waiting), then let the page catch up.
        playground.step(args.steps)
        if args.point is None:  # a point the network still gets wrong shows non-zero grads
            args.point = max(range(len(playground.X)), key=lambda i: _point_loss(playground, i))
        driver.find_element(By.CSS_SELECTOR, f'circle[data-index="{args.point}"]').click()
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == f'step {args.steps}')
        wait.until(lambda d: f"point {args.point}'s" in d.find_element(By.CLASS_NAME, 'pg-graph-title').text)
        time.sleep(0.5)
        write_atomically(args.out, driver.get_screenshot_as_png())
        print(f'wrote {args.out}')
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


if __name__ == '__main__':
    main()
