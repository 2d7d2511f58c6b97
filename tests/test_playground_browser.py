"""The playground in a real browser: headless Chromium from the system packages,
driven by Selenium through the system's chromedriver (`./lab test` installs both).

The contract these tests rely on: buttons named Play (Pause while running),
Step and Reset; the page shows `step N` and `loss X.XXXX`.
"""

import os
import re
import shutil
import threading
import time

import pytest

from nn.playground import Playground, make_server

CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
LOSS = re.compile(r'^loss (\d+\.\d{4})$')


@pytest.fixture(scope='module')
def browser():
    if not os.path.exists(CHROMEDRIVER):
        pytest.fail('chromedriver is missing: run ./lab test (it installs chromium and chromium-driver), '
                    'or: sudo apt-get install chromium chromium-driver')
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     '--window-size=1280,800', '--no-first-run', '--disable-extensions'):
        options.add_argument(argument)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    # The driver's path is given, so Selenium Manager downloads nothing.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.fixture
def served():
    playground = Playground()
    server = make_server(playground, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.session.pause()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def blank_page_after(browser):
    yield
    browser.get('about:blank')  # the page stops polling before its server goes


def by_class(driver, name):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CLASS_NAME, name)


def button(driver, name):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.XPATH, f'//button[normalize-space()="{name}"]')


def until(driver, condition, timeout=30):
    """Wait for `condition()` to be true. An AssertionError meanwhile (a page
    still showing 'loading...' where step_shown wants 'step N') means "not
    yet", not a failure; on a timeout the condition runs once more, so that
    its own message says what the page shows."""
    from selenium.common.exceptions import NoSuchElementException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = WebDriverWait(driver, timeout, poll_frequency=0.05,
                            ignored_exceptions=(AssertionError, NoSuchElementException))
    try:
        return waiting.until(lambda d: condition())
    except TimeoutException:
        assert condition(), f'still false after {timeout} s'
        return True


def step_shown(driver):
    text = by_class(driver, 'pg-step-count').text
    match = re.fullmatch(r'step (\d+)', text)
    assert match, f'the page shows {text!r}, not "step N"'
    return int(match.group(1))


def loss_shown(driver):
    text = by_class(driver, 'pg-loss').text
    match = LOSS.match(text)
    assert match, f'the page shows {text!r}, not "loss X.XXXX"'
    return float(match.group(1))


def console_errors(driver):
    return [entry for entry in driver.get_log('browser') if entry['level'] == 'SEVERE']


def open_page(driver, server):
    driver.get(server.url)
    until(driver, lambda: by_class(driver, 'pg-step-count').text == 'step 0')
    driver.get_log('browser')  # start each test with an empty console


def test_play_pause_step_reset(browser, served):
    open_page(browser, served)
    start = loss_shown(browser)
    button(browser, 'Play').click()
    until(browser, lambda: step_shown(browser) >= 10)
    button(browser, 'Pause').click()
    until(browser, lambda: button(browser, 'Play'))
    stopped = step_shown(browser)
    assert loss_shown(browser) < start
    time.sleep(0.5)
    assert step_shown(browser) == stopped == served.session.playground.steps
    button(browser, 'Step').click()
    until(browser, lambda: step_shown(browser) == stopped + 1)
    button(browser, 'Reset').click()
    until(browser, lambda: step_shown(browser) == 0)
    assert loss_shown(browser) == pytest.approx(start, abs=1e-4)
    assert console_errors(browser) == []


def test_clicking_a_point_shows_its_graph(browser, served):
    from selenium.webdriver.common.by import By

    open_page(browser, served)
    browser.find_element(By.CSS_SELECTOR, '.nv-tab-graph').click()  # the network view is the default tab
    first = served.session.playground.selected  # the point of largest loss, not point 0
    assert first != 42 and f"point {first}'s" in by_class(browser, 'pg-graph-title').text
    browser.find_element(By.CSS_SELECTOR, 'circle[data-index="42"]').click()
    until(browser, lambda: "point 42's" in by_class(browser, 'pg-graph-title').text)
    assert served.session.playground.selected == 42
    labels = [node.text for node in browser.find_elements(By.CSS_SELECTOR, '.pg-node-label')]
    assert {'x1', 'x2', 'L0 N0', 'L1 N15', 'L2 N0', 'loss'} <= set(labels)
    graph = served.session.playground.graph(42)
    x1 = next(node for node in graph['nodes'] if node['name'] == 'x1')
    texts = browser.find_elements(By.CSS_SELECTOR, '.pg-node text')
    assert f"data {x1['data']:.4f}" in [text.text for text in texts]
    # every operation: the full graph, with the weights by name
    by_class(browser, 'pg-full-graph').click()
    until(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, '.pg-node')) > 300)
    assert console_errors(browser) == []


def test_a_bad_learning_rate_shows_a_message_and_changes_nothing(browser, served):
    from selenium.webdriver.common.by import By

    open_page(browser, served)
    panels_at = by_class(browser, 'pg-panels').location['y']
    rate = browser.find_element(By.NAME, 'lr')
    rate.clear()
    rate.send_keys('-1')
    button(browser, 'Apply').click()
    message = by_class(browser, 'pg-message')
    until(browser, lambda: message.is_displayed())
    assert 'learning rate must be > 0' in message.text
    assert served.session.playground.settings['lr'] == 0.05
    assert step_shown(browser) == 0
    # The field shows the rate in force again, and the message moved no panel.
    until(browser, lambda: rate.get_attribute('value') == '0.05')
    assert by_class(browser, 'pg-panels').location['y'] == panels_at
    # A good one is taken, and the message goes away.
    rate.clear()
    rate.send_keys('0.01')
    button(browser, 'Apply').click()
    until(browser, lambda: not message.is_displayed())
    assert served.session.playground.settings['lr'] == 0.01
    # The architecture from the form: a new run.
    hidden = browser.find_element(By.NAME, 'hidden')
    hidden.clear()
    hidden.send_keys('10000')
    button(browser, 'Apply').click()
    until(browser, lambda: message.is_displayed())
    assert 'neurons per layer' in message.text
    assert served.session.playground.settings['hidden'] == (16, 16)
    assert console_errors(browser) == []


def test_the_menus_offer_what_python_sends(browser, served, monkeypatch):
    """The page repeats no choice list: its menus are nn.playground.choices(),
    and a choice added in Python appears in the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from nn.playground import choices, settings

    open_page(browser, served)
    for name, options in choices().items():
        menu = Select(browser.find_element(By.NAME, name))
        assert [option.get_attribute('value') for option in menu.options] == options, name
        assert menu.first_selected_option.get_attribute('value') == served.session.playground.settings[name]
    # A page made while Python offers one more activation shows it (and only then).
    monkeypatch.setattr(settings, 'ACTIVATIONS', (*settings.ACTIVATIONS, 'linear'))
    other = make_server(Playground(), port=0)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        open_page(browser, other)
        menu = Select(browser.find_element(By.NAME, 'activation'))
        assert [option.get_attribute('value') for option in menu.options] == ['relu', 'tanh', 'sigmoid', 'linear']
    finally:
        browser.get('about:blank')
        other.shutdown()
        other.server_close()


def test_a_second_tab_shares_the_session(browser, served):
    open_page(browser, served)
    button(browser, 'Step').click()
    until(browser, lambda: step_shown(browser) == 1)
    first = browser.current_window_handle
    browser.switch_to.new_window('tab')
    try:
        open_page_at_step = served.url
        browser.get(open_page_at_step)
        until(browser, lambda: step_shown(browser) == 1)
        button(browser, 'Step').click()
        until(browser, lambda: step_shown(browser) == 2)
    finally:
        browser.close()
        browser.switch_to.window(first)
    until(browser, lambda: step_shown(browser) == 2)  # the first tab follows
    assert console_errors(browser) == []


def test_the_saved_page_plays_back_offline(browser, tmp_path):
    from selenium.webdriver.common.by import By

    playground = Playground()
    playground.step(15)
    path = playground.save_html(tmp_path / 'run.html')
    browser.get('file://' + os.path.abspath(path))
    until(browser, lambda: by_class(browser, 'pg-step-count').text == 'step 0')
    browser.get_log('browser')
    start = loss_shown(browser)
    slider = by_class(browser, 'pg-slider')
    assert slider.get_attribute('max') == '15'
    browser.execute_script(
        "arguments[0].value = 15; arguments[0].dispatchEvent(new Event('input'));", slider)
    until(browser, lambda: step_shown(browser) == 15)
    assert loss_shown(browser) < start
    assert loss_shown(browser) == pytest.approx(playground.history['loss'][-1], abs=1e-3)
    button(browser, 'Reset').click()
    until(browser, lambda: step_shown(browser) == 0)
    button(browser, 'Step').click()
    until(browser, lambda: step_shown(browser) == 1)
    button(browser, 'Play').click()
    until(browser, lambda: step_shown(browser) == 15 and button(browser, 'Play'))
    assert browser.find_elements(By.CSS_SELECTOR, '.pg-node')  # the graph is drawn
    assert console_errors(browser) == []


def test_a_run_that_diverges_is_paused_and_says_so_on_the_page(browser):
    """Training that blows up (SGD at learning rate 10 on mse) stops by itself: the
    page shows why and the step it stopped at; nothing is left training."""
    server = make_server(Playground(optimizer='sgd', lr=10, loss='mse'), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        open_page(browser, server)
        button(browser, 'Play').click()
        message = by_class(browser, 'pg-message')
        until(browser, lambda: message.is_displayed())
        assert 'training diverged at step 3' in message.text and 'lower the learning rate' in message.text
        until(browser, lambda: step_shown(browser) == 3)
        assert not server.session.running and server.session.playground.steps == 3
        assert console_errors(browser) == []
    finally:
        server.session.pause()
        server.shutdown()
        server.server_close()
