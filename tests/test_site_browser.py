"""The static site (./lab site) in a real browser: headless Chromium from the
system packages, driven by Selenium, with the project's Python under Pyodide.

Every request to another origin is refused twice over: Chromium sends every
other host to a proxy that answers 403 (site_src/serve.py), and the server
sends the pages' Content-Security-Policy as a header too, so that it binds
the Web Worker as well, with a report address; each test ends with no
policy violation reported, no request of the page to another origin, and
no console error. `./lab test` builds the site before the tests start;
run alone, the first test to need it builds it (under a file lock, since
the suite runs on two workers).
"""

import doctest
import fcntl
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / 'site'
sys.path.insert(0, str(ROOT / 'site_src'))

from serve import RefusingProxy, chromium, serve_site  # noqa: E402

START = 90  # seconds for Pyodide to start on a busy two-core machine


def _built():
    """site/, built once (under a lock, so that two pytest workers never build it together)."""
    lock_path = ROOT / 'build' / 'site.lock'
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (SITE / 'index.html').exists():
            subprocess.run([sys.executable, str(ROOT / 'site_src' / 'build.py')], check=True)
    return SITE


@pytest.fixture(scope='module')
def site():
    server = serve_site(str(_built()))
    proxy = RefusingProxy()
    driver = chromium(proxy)
    driver.set_script_timeout(START)
    yield server, driver
    driver.quit()
    proxy.close()
    server.close()


@pytest.fixture
def page(site):
    """Open a page of the site; afterwards, check that it stayed on its own origin, without errors."""
    server, driver = site
    server.violations.clear()
    driver.get_log('browser')

    def open_page(name):
        driver.get(server.url + name)
        return driver

    yield open_page
    errors = [entry['message'] for entry in driver.get_log('browser') if entry['level'] == 'SEVERE']
    driver.get('about:blank')
    assert server.violations == [], f'the policy refused: {server.violations}'
    assert errors == [], f'console errors: {errors}'


def until(condition, timeout=START, what='the condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the element is not there yet
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f'{what} still not true after {timeout} s')


def by_css(driver, selector):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, selector)


def other_origin_requests(driver, origin):
    """Resources the page loaded from anywhere but `origin` (the browser's own list)."""
    urls = driver.execute_script('return performance.getEntriesByType("resource").map(e => e.name)')
    return [url for url in urls if not url.startswith(origin)]


def test_index_links_every_page(page, site):
    driver = page('index.html')
    links = {link.get_attribute('href').rsplit('/', 1)[-1]
             for link in driver.find_elements('css selector', 'main a')}
    assert {'playground.html', 'draw.html', 'console.html'} <= links
    assert other_origin_requests(driver, site[0].url) == []


def readme_tanh_session():
    """The README's first REPL session: (source, expected output) per line, as doctest reads it."""
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    block = re.findall(r'```python\n(.*?)```', readme, flags=re.S)[0]
    return [(example.source.rstrip('\n'), example.want.rstrip('\n'))
            for example in doctest.DocTestParser().get_examples(block)]


def numbers(text):
    return [float(x) for x in re.findall(r'-?\d+\.\d+(?:e-?\d+)?', text)]


def test_console_gives_the_readme_numbers(page, site):
    driver = page('console.html')
    until(lambda: by_css(driver, 'body').get_attribute('data-python') == 'ready', what='Python ready')
    until(lambda: by_css(driver, '#line').is_enabled(), what='the console accepting input')
    examples = readme_tanh_session()
    assert any('x.grad' in source for source, _ in examples), 'the README has no tanh-neuron gradients'
    box = by_css(driver, '#line')
    for source, _ in examples:
        for line in source.split('\n'):
            box.send_keys(line + '\n')
    until(lambda: by_css(driver, 'body').get_attribute('data-busy') == '', what='the console done')
    output = by_css(driver, '#output').text
    assert 'Traceback' not in output, output
    for source, want in examples:
        if not want:
            continue
        shown = output.split(f'>>> {source.splitlines()[-1]}\n', 1)[1].split('>>>', 1)[0].strip()
        # The same floats as CPython up to the last bit or two: Pyodide's libm
        # (tanh, exp) is not glibc's. 1e-13 relative is ~450 ulp of slack.
        if numbers(want):
            assert numbers(shown) == pytest.approx(numbers(want), rel=1e-13), (source, shown, want)
        else:
            assert shown == want, (source, shown, want)
    assert other_origin_requests(driver, site[0].url) == []


def test_drawer_draws_the_grads_of_the_engine(page, site):
    from autograd import Value

    driver = page('draw.html')
    until(lambda: by_css(driver, 'body').get_attribute('data-drawn') == 'yes', what='the first drawing')
    expression = by_css(driver, '#expression')
    values = by_css(driver, '#values')
    expression.clear()
    expression.send_keys('tanh(x*w + b)')
    values.clear()
    values.send_keys('x=0.5 w=-1.5 b=0.25')
    by_css(driver, '#draw').click()
    until(lambda: by_css(driver, 'body').get_attribute('data-drawn') == 'yes', what='the new drawing')
    x, w, b = Value(0.5, label='x'), Value(-1.5, label='w'), Value(0.25, label='b')
    y = (x * w + b).tanh()
    y.backward()
    texts = [text.text for text in driver.find_elements('css selector', '#graph svg g.node text')]
    for leaf in (x, w, b):  # a record node's texts: label, data, grad
        at = texts.index(leaf.label)
        assert texts[at + 1] == f'data {leaf.data:.4f}'
        assert texts[at + 2] == f'grad {leaf.grad:.4f}', (leaf.label, texts[at:at + 3])
    assert f'data {y.data:.4f}' in texts
    # The stepper: from the start to the last step, one click at a time.
    counter = by_css(driver, '#steps .counter')
    assert counter.text == 'start'
    last = int(by_css(driver, '#steps input[type=range]').get_attribute('max'))
    for _ in range(last):
        by_css(driver, '#steps .next').click()
    assert counter.text == f'step {last} of {last}'
    # A refused expression: the parser's own message, nothing drawn, no error in the console.
    expression.clear()
    expression.send_keys("__import__('os').system('true')")
    by_css(driver, '#draw').click()
    message = until(lambda: by_css(driver, '#error').text, what='the refusal shown')
    assert 'only calls of' in message
    assert other_origin_requests(driver, site[0].url) == []


def step_shown(driver):
    match = re.fullmatch(r'step (\d+)', by_css(driver, '.pg-step-count').text)
    return int(match.group(1)) if match else None


def loss_shown(driver):
    match = re.fullmatch(r'loss (\d+\.\d{4})', by_css(driver, '.pg-loss').text)
    return float(match.group(1)) if match else None


def test_playground_trains_and_pauses(page, site):
    from selenium.webdriver.common.by import By

    driver = page('playground.html')
    until(lambda: step_shown(driver) == 0, what='step 0 shown')
    first_loss = loss_shown(driver)
    assert first_loss is not None and math.isfinite(first_loss)
    play = driver.find_element(By.XPATH, '//button[normalize-space()="Play"]')
    play.click()
    until(lambda: (step_shown(driver) or 0) >= 10, timeout=60, what='10 steps trained')
    assert play.text == 'Pause'
    play.click()
    until(lambda: play.text == 'Play', timeout=10, what='Play shown again')
    time.sleep(0.5)  # a state already on its way may still arrive
    stopped = step_shown(driver)
    time.sleep(1.5)
    assert step_shown(driver) == stopped, 'training went on after Pause'
    assert loss_shown(driver) < first_loss
    driver.find_element(By.XPATH, '//button[normalize-space()="Step"]').click()
    until(lambda: step_shown(driver) == stopped + 1, timeout=30, what='one more step')
    driver.find_element(By.XPATH, '//button[normalize-space()="Reset"]').click()
    until(lambda: step_shown(driver) == 0, timeout=30, what='step 0 after Reset')
    assert loss_shown(driver) == first_loss
    # The menus offer what Python offers (the build writes nn.playground.choices()).
    from selenium.webdriver.support.ui import Select

    from nn.playground import choices

    for name, options in choices().items():
        menu = Select(driver.find_element(By.NAME, name))
        assert [option.get_attribute('value') for option in menu.options] == options, name
    # Every panel is drawn: the boundary, the curves, the graph of a point, the parameters.
    assert driver.find_elements(By.CSS_SELECTOR, '.pg-points circle')
    assert driver.find_elements(By.CSS_SELECTOR, '.pg-graph-svg .pg-node')
    assert len(driver.find_elements(By.CSS_SELECTOR, '.pg-param-table tbody tr')) == 337
    assert other_origin_requests(driver, site[0].url) == []


def test_a_request_to_another_origin_is_refused_and_reported(site):
    # The check the other tests rely on: it does see a request that leaves the site.
    server, driver = site
    driver.get(server.url + 'index.html')
    server.violations.clear()
    outcome = driver.execute_async_script(
        'const done = arguments[arguments.length - 1];'
        'fetch("http://other-origin.invalid/x.js").then(() => done("fetched"), (e) => done("refused"));')
    assert outcome == 'refused'
    until(lambda: server.violations, timeout=10, what='the violation reported')
    assert server.violations[0]['blocked-uri'].startswith("http://other-origin.invalid")
    server.violations.clear()
    driver.get_log('browser')  # the refusal's own console message
    driver.get('about:blank')
