"""Take the README's screenshot of the site's playground: docs/site_playground.png.

    .venv/bin/python site_src/screenshot.py [--out docs/site_playground.png] [--steps 40]

Serves site/ (build it first: ./lab site) on 127.0.0.1, opens the playground
in headless Chromium at 1280x800 (nothing else reachable), presses Play
until the page shows --steps steps or more, pauses, selects --point (by
default the point of largest loss: its network shows non-zero grads) and saves the window as PNG
(atomically).
"""

import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

from autograd._files import write_atomically  # noqa: E402
from serve import RefusingProxy, chromium, serve_site  # noqa: E402


def worst_point(steps):
    """The point of largest loss after `steps` steps of the default playground, found in
    CPython (the same run as the page's, up to the last bits of Pyodide's maths library)."""
    from nn.playground import Playground

    playground = Playground()
    playground.step(steps)

    def loss(index):
        return next(node['data'] for node in playground.graph(index)['nodes'] if node['name'] == 'loss')

    return max(range(len(playground.X)), key=loss)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'docs', 'site_playground.png'))
    parser.add_argument('--steps', type=int, default=40, help='train at least this many steps first')
    parser.add_argument('--point', type=int, default=None,
                        help="the point whose graph is shown; default: the one of largest loss")
    args = parser.parse_args(argv)
    server, proxy = serve_site(os.path.join(ROOT, 'site')), RefusingProxy()
    driver = chromium(proxy)

    def step():
        match = re.fullmatch(r'step (\d+)', driver.find_element('css selector', '.pg-step-count').text)
        return int(match.group(1)) if match else -1

    def wait(condition, timeout=180):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError('the playground did not get there')
            time.sleep(0.1)

    try:
        driver.get(server.url + 'playground.html')
        wait(lambda: step() == 0)
        driver.find_element('xpath', '//button[normalize-space()="Play"]').click()
        wait(lambda: step() >= args.steps)
        driver.find_element('xpath', '//button[normalize-space()="Pause"]').click()
        wait(lambda: driver.find_element('css selector', '.pg-play').text == 'Play')
        if args.point is None:  # a point the network still gets wrong shows non-zero grads
            args.point = worst_point(step())
        driver.find_element('css selector', f'circle[data-index="{args.point}"]').click()
        # The page opens on the network view, which names the point it shows.
        wait(lambda: f'point {args.point} (' in driver.find_element('css selector', 'main').text)
        time.sleep(0.5)
        write_atomically(args.out, driver.get_screenshot_as_png())
        print(f'wrote {args.out} at step {step()}')
    finally:
        driver.quit()
        proxy.close()
        server.close()


if __name__ == '__main__':
    main()
