"""Touching the playground in a real browser (headless Chromium, the fixtures of
test_playground_browser.py): a point added by a click, a weight typed into
the parameter table, settings from the page's address, and the test curve.
The numbers the page shows are checked against what Python computes."""

import threading

import pytest

from nn.playground import Playground, make_server
from test_playground_browser import (browser, by_class, console_errors, loss_shown,  # noqa: F401 (fixtures)
                                     step_shown, until)


@pytest.fixture
def start():
    """start(playground, address='') serves `playground` and opens its page at the address's fragment."""
    servers = []

    def open_at(driver, playground, address=''):
        server = make_server(playground, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        driver.get(server.url + address)
        until(driver, lambda: step_shown(driver) == 0)
        return server

    yield open_at
    for server in servers:
        server.session.pause()
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def blank_page_after(browser):  # noqa: F811
    browser.get('about:blank')
    browser.get_log('browser')
    yield
    browser.get('about:blank')


def click_plane_at(driver, u, v):
    """Click the plane at fractions (u, v) of its width and height from its top-left corner."""
    from selenium.webdriver.common.action_chains import ActionChains

    plane = by_class(driver, 'pg-points')
    width, height = plane.size['width'], plane.size['height']
    ActionChains(driver).move_to_element_with_offset(plane, int((u - 0.5) * width), int((v - 0.5) * height)).click().perform()


def test_a_click_adds_a_point_of_the_chosen_class_and_the_next_step_uses_it(browser, start):  # noqa: F811
    from selenium.webdriver.common.by import By

    playground = Playground(n=40, hidden=(4,))
    start(browser, playground)
    count = len(browser.find_elements(By.CSS_SELECTOR, 'circle.pg-point'))
    assert count == 40
    browser.find_element(By.CSS_SELECTOR, 'input[name="pg-mode"][value="add 1"]').click()
    click_plane_at(browser, 0.02, 0.03)  # a corner, far from the generated points
    until(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, 'circle.pg-point')) == 41)
    assert len(playground.X) == 41 and playground.y[-1] == 1 and playground.steps == 0
    (x0, x1), (y0, y1) = playground.extent
    x, y = playground.X[-1]
    assert x == pytest.approx(x0 + 0.02 * (x1 - x0), abs=0.02 * (x1 - x0))
    assert y == pytest.approx(y1 - 0.03 * (y1 - y0), abs=0.02 * (y1 - y0))
    # The next step trains on all 41 points: its loss is the whole set's at the weights before it.
    expected = playground.state()['loss']
    by_class(browser, 'pg-stepper').click()
    until(browser, lambda: step_shown(browser) == 1)
    assert playground.history.loss[-1] == pytest.approx(expected, rel=1e-12)
    # Remove it again in remove mode.
    browser.find_element(By.CSS_SELECTOR, 'input[name="pg-mode"][value="remove"]').click()
    click_plane_at(browser, 0.02, 0.03)
    until(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, 'circle.pg-point')) == 40)
    assert len(playground.X) == 40
    assert console_errors(browser) == []


def test_a_weight_typed_in_the_table_changes_the_loss_shown_to_what_python_computes(browser, start):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    playground = Playground(n=30, hidden=(3,))
    start(browser, playground)
    before = loss_shown(browser)
    cell = browser.find_elements(By.CSS_SELECTOR, '.pg-param-table tbody tr')[1].find_elements(By.TAG_NAME, 'td')[1]
    cell.click()
    field = by_class(browser, 'pg-weight-value')
    field.send_keys(Keys.CONTROL, 'a')
    field.send_keys('-3.25', Keys.ENTER)
    until(browser, lambda: playground.model.parameters()[1].data == -3.25)
    expected = playground.state()['loss']
    assert expected != pytest.approx(before, abs=1e-4)
    until(browser, lambda: loss_shown(browser) == round(expected, 4))
    assert by_class(browser, 'pg-param-table').find_elements(By.CSS_SELECTOR, 'tbody tr')[1].text.split()[3] == '-3.2500'
    # Not a finite number: a message, and the weight stays.
    field.send_keys(Keys.CONTROL, 'a')
    field.send_keys('inf', Keys.ENTER)
    until(browser, lambda: 'must be a finite number' in by_class(browser, 'pg-message').text)
    assert playground.model.parameters()[1].data == -3.25
    assert console_errors(browser) == []


def test_an_address_with_settings_opens_the_page_in_that_state(browser, start):  # noqa: F811
    from selenium.webdriver.common.by import By

    playground = Playground()
    start(browser, playground, '#dataset=circles&n=60&seed=5&hidden=4,4&test_fraction=0.25&l2=0.001&noise=lots')
    until(browser, lambda: playground.settings.n == 60)
    s = playground.settings
    assert (s.dataset, s.seed, s.hidden, s.test_fraction, s.l2, s.noise) == ('circles', 5, (4, 4), 0.25, 0.001, 0.1)
    until(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, 'circle.pg-point')) == 45)
    assert len(browser.find_elements(By.CSS_SELECTOR, 'circle.pg-test-point')) == 15
    until(browser, lambda: "noise must be a number, got 'lots'" in by_class(browser, 'pg-message').text)
    fields = {name: browser.find_element(By.CSS_SELECTOR, f'.pg-settings [name="{name}"]').get_attribute('value')
              for name in ('dataset', 'n', 'seed', 'hidden', 'test_fraction', 'noise')}
    assert fields == {'dataset': 'circles', 'n': '60', 'seed': '5', 'hidden': '4,4', 'test_fraction': '0.25',
                      'noise': '0.1'}
    # The address now says what the page shows (the bad value gone), to be shared as it is.
    until(browser, lambda: 'noise=0.1' in browser.current_url)
    assert 'dataset=circles' in browser.current_url and 'hidden=4,4' in browser.current_url
    assert console_errors(browser) == []


def test_the_test_points_and_the_test_curve_are_drawn(browser, start):  # noqa: F811
    from selenium.webdriver.common.by import By

    playground = Playground(n=60, hidden=(8,), test_fraction=0.3)
    start(browser, playground)
    rings = browser.find_elements(By.CSS_SELECTOR, 'circle.pg-test-point')
    assert len(rings) == 18 and rings[0].get_attribute('fill') is None
    playground.step(15)
    until(browser, lambda: step_shown(browser) == 15)
    until(browser, lambda: by_class(browser, 'pg-test-loss').text.startswith('test loss '))
    shown = float(by_class(browser, 'pg-test-loss').text.split()[2].rstrip(','))
    assert shown == round(playground.state()['test_loss'], 4)
    # Pixels of the test curve's colour in the curves' canvas; none without test points.
    count_script = """
        const canvas = document.querySelector('.pg-curves');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const [r, g, b] = arguments[0];
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30) count++;
        }
        return count;"""
    from nn.playground.pages import palette
    colour = palette()['current_border']
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    assert browser.execute_script(count_script, rgb) > 100
    toggle = by_class(browser, 'pg-show-test-data')
    toggle.click()
    assert not browser.find_element(By.CSS_SELECTOR, 'svg.pg-test-points').is_displayed()
    assert console_errors(browser) == []
    playground.configure(test_fraction=0)
    until(browser, lambda: by_class(browser, 'pg-test-loss').text == '')
    assert browser.execute_script(count_script, rgb) < 5
    assert browser.find_elements(By.CSS_SELECTOR, 'circle.pg-test-point') == []
