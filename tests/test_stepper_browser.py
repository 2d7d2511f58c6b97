"""The steps page in a real browser (headless Chromium through Selenium).

The page lays the graph out once and stepper.js paints each frame from the
frames' JSON. Oracles: the frames' data replayed in Python (tests/drawings.py
`page_frame`, the rule stepper.py's docstring states), the colours of
draw.FRAME_STATES, and the steps' own texts for the counter.
Chromium and its driver come from the system (Debian: apt-get install chromium
chromium-driver); Selenium is told where the driver is, so it downloads nothing.
"""

import shutil

import pytest

from autograd import Value, save_steps_html
from autograd.draw import FRAME_STATES
from drawings import neuron, page_data, page_frame

SNAPSHOT = """
var box = document.querySelector('.bl-stepper');
var nodes = {};
box.querySelectorAll('g.node').forEach(function (g) {
  var shape = g.querySelector('polygon, ellipse');
  nodes[g.querySelector('title').textContent] = {
    texts: Array.from(g.querySelectorAll('text')).map(function (t) { return t.textContent; }),
    fill: shape.getAttribute('fill'), stroke: shape.getAttribute('stroke')};
});
var edges = {};
box.querySelectorAll('g.edge').forEach(function (g) {
  edges[g.querySelector('title').textContent] = g.querySelector('path').getAttribute('stroke');
});
return {counter: box.querySelector('.counter').textContent, text: box.querySelector('.text').textContent,
        nodes: nodes, edges: edges};
"""


def _program(*names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope='module')
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail('selenium is needed for the browser tests: pip install -e ".[test]"')
    chromium = _program('chromium', 'chromium-browser', 'google-chrome')
    driver_program = _program('chromedriver')
    if not chromium or not driver_program:
        pytest.fail('headless Chromium is needed for the browser tests: install it '
                    '(Debian/Ubuntu: sudo apt-get install chromium chromium-driver)')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_program), options=options)
    yield driver
    driver.quit()


def open_page(browser, path, step=None):
    browser.get(path.as_uri() + (f'#step={step}' if step is not None else ''))
    if step is not None:
        browser.refresh()  # a new hash alone does not reload the page
    return browser.execute_script(SNAPSHOT)


def click(browser, name, times=1):
    for _ in range(times):
        browser.find_element('css selector', f'.bl-stepper .{name}').click()
    return browser.execute_script(SNAPSHOT)


def test_every_frame_shows_its_numbers_colours_and_counter(browser, tmp_path):
    o, _ = neuron()
    path = save_steps_html(o, tmp_path / 'steps.html')
    page = path.read_text(encoding='utf-8')
    frames = page_data(page)['frames']
    shown = open_page(browser, path)
    for k in range(len(frames)):
        if k:
            shown = click(browser, 'next')
        expected = page_frame(page, k)
        # The counter speaks as the text does: 'start', then 'step k of 5'.
        assert shown['counter'] == ('start' if k == 0 else f'step {k} of 5')
        assert shown['text'] == frames[k][0] and shown['text'].startswith(shown['counter'])
        for value_id, (state, data, grad) in expected.items():
            node = shown['nodes'][value_id]
            assert node['texts'][-2:] == [data, grad], (k, value_id)
            look = FRAME_STATES.get(state, {}).get('value', {})
            assert node['fill'] == look.get('fillcolor', '#ffffff'), (k, value_id, state)
            assert node['stroke'] == look.get('color', 'black'), (k, value_id, state)
    # The last step (x1 * w1) colours the edges of its updated parents into its operation.
    updated = FRAME_STATES['updated']['edge_to_current']['color']
    assert shown['edges']['v0->op2'] == updated and shown['edges']['v1->op2'] == updated
    assert shown['edges']['v8->op9'] == 'black'


def test_going_back_and_jumping_give_the_same_picture(browser, tmp_path):
    o, _ = neuron()
    path = save_steps_html(o, tmp_path / 'steps.html')
    open_page(browser, path)
    forward = click(browser, 'next', times=2)
    click(browser, 'next', times=3)
    back = click(browser, 'prev', times=3)
    assert back == forward
    assert open_page(browser, path, step=2) == forward  # steps.html#step=2 opens step 2


def test_a_value_drawn_next_to_each_use_is_painted_everywhere(browser, tmp_path):
    x = Value(0.5, label='x')
    y = x
    for _ in range(9):
        y = y - x  # x used ten times: drawn ten times
    path = save_steps_html(y, tmp_path / 'steps.html')
    data = page_data(path.read_text(encoding='utf-8'))
    copies = data['ids'][0][0]
    assert len(copies) == 10
    shown = open_page(browser, path)
    assert all(shown['nodes'][copy]['texts'] == ['x', 'data 0.5000', 'grad ?'] for copy in copies)
    shown = click(browser, 'next', times=len(data['frames']) - 1)
    assert all(shown['nodes'][copy]['texts'] == ['x', 'data 0.5000', 'grad -8.0000'] for copy in copies)


def test_the_forward_page_counts_from_step_one(browser, tmp_path):
    o, _ = neuron()
    path = save_steps_html(o, tmp_path / 'forward.html', direction='forward')
    shown = open_page(browser, path)
    assert shown['counter'] == 'step 1 of 10' and shown['text'].startswith('step 1 of 10: ')
    shown = click(browser, 'next', times=9)
    assert shown['counter'] == 'step 10 of 10' and shown['text'].startswith('step 10 of 10: ')
