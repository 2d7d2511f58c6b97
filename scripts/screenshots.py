"""Take the screenshots of the network view: docs/network_view.png and docs/delta_panel.png.

    .venv/bin/python scripts/screenshots.py [--steps 40] [--out-dir docs]

Serves the default playground (two moons, MLP(2, [16, 16, 1]), hinge loss)
on a free port of 127.0.0.1, trains it, opens the page in headless Chromium
at 1280x800 (the system's chromium and chromedriver through Selenium;
nothing is downloaded) and saves, atomically: the network level, then the
backward walk at the first layer, with its entry of largest delta chosen.
The point shown is the playground's own default: the one of largest loss.
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
    """A headless Chromium whose page (not window) is width x height."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     f'--window-size={width},{height}', '--force-device-scale-factor=1'):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                           {'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False})
    return driver


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default=os.path.join(ROOT, 'docs'))
    parser.add_argument('--steps', type=int, default=40, help='train this many steps first')
    args = parser.parse_args(argv)

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    playground = Playground()
    server = make_server(playground, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium()
    try:
        driver.get(server.url)
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == 'step 0')
        playground.step(args.steps)
        wait.until(lambda d: d.find_element(By.CLASS_NAME, 'pg-step-count').text == f'step {args.steps}')
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.nv-neuron')) == sum(playground.model.nouts))
        time.sleep(0.5)
        out = os.path.join(args.out_dir, 'network_view.png')
        write_atomically(out, driver.get_screenshot_as_png())
        print(f'wrote {out}')
        driver.find_element(By.CSS_SELECTOR, '.nv-tab-backward').click()
        for _ in range(2):  # two steps back from the output layer: L0, whose sums have 16 terms
            driver.find_element(By.CSS_SELECTOR, '.nv-earlier').click()
        deltas = [abs(n['delta'] or 0) for n in playground.state()['network'][0]]
        row = max(range(len(deltas)), key=deltas.__getitem__)  # the neuron of largest delta
        driver.find_element(By.CSS_SELECTOR, f'.nv-delta-row[data-index="{row}"]').click()
        time.sleep(0.5)
        out = os.path.join(args.out_dir, 'delta_panel.png')
        write_atomically(out, driver.get_screenshot_as_png())
        print(f'wrote {out}')
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


if __name__ == '__main__':
    main()
