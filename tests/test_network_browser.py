"""The network view in the live playground, in real headless Chromium
(fixtures and helpers of tests/test_playground_browser.py). Numbers are read
from the page's data attributes, which carry them at full precision."""

import numpy as np
import pytest

from nn import losses
from test_network import close, matrix_backprop
from test_playground_browser import browser, by_class, console_errors, open_page, served, until  # noqa: F401


@pytest.fixture(autouse=True)
def blank_page_after(browser):  # noqa: F811
    yield
    browser.get('about:blank')


def css(driver, selector):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, selector)


def test_network_level_shows_every_neuron_in_order_and_one_edge_per_weight(browser, served):  # noqa: F811
    open_page(browser, served)
    playground = served.session.playground
    until(browser, lambda: len(css(browser, '.nv-neuron')) == 33)
    neurons = css(browser, '.nv-neuron')
    order = [(int(n.get_attribute('data-layer')), int(n.get_attribute('data-index'))) for n in neurons]
    assert order == [(0, j) for j in range(16)] + [(1, j) for j in range(16)] + [(2, 0)]
    # index order top to bottom on screen, every neuron inside the 1280x800 window
    for layer in (0, 1):
        tops = [n.rect['y'] for n in neurons if n.get_attribute('data-layer') == str(layer)]
        assert tops == sorted(tops) and len(set(tops)) == 16
    assert all(0 <= n.rect['y'] and n.rect['y'] + n.rect['height'] <= 800 for n in neurons)
    edges = css(browser, '.nv-edge')
    assert len(edges) == 2 * 16 + 16 * 16 + 16 == playground.model.num_parameters() - 33
    weights = {name: p.data for name, p in playground.model.named_parameters()}
    shown = []
    for edge in edges:
        l, j, k = (edge.get_attribute(f'data-{n}') for n in ('layer', 'neuron', 'input'))
        value = float(edge.get_attribute('data-value'))
        assert value == weights[f'layers.{l}.neurons.{j}.w.{k}']
        shown.append((abs(value), float(edge.get_attribute('stroke-width'))))
    shown.sort()
    widths = [width for _, width in shown]
    assert widths == sorted(widths) and widths[0] < widths[-1]  # ordered as |w|
    assert console_errors(browser) == []


def test_a_neuron_opens_with_its_operations_and_backwards_grads(browser, served):  # noqa: F811
    open_page(browser, served)
    playground = served.session.playground
    until(browser, lambda: len(css(browser, '.nv-neuron')) == 33)
    css(browser, '.nv-neuron[data-layer="1"][data-index="3"]')[0].click()
    until(browser, lambda: len(css(browser, '.nv-op')) == 33)
    assert playground.network_focus == [1, 3]
    # The oracle: backward() on this point's loss alone
    index = playground.selected
    model = playground.model
    saved = [p.grad for p in model.parameters()]
    model.zero_grad()
    x = playground.X[index]
    h1 = [n(x) for n in model.layers[0].neurons]
    z = sum((w * a for w, a in zip(model.layers[1].neurons[3].w, h1)), model.layers[1].neurons[3].b)
    a = z.relu()
    h2 = [a if j == 3 else n(h1) for j, n in enumerate(model.layers[1].neurons)]
    losses.hinge([model.layers[2].neurons[0](h2)], [playground._targets[index]]).backward()
    for p, grad in zip(model.parameters(), saved):
        p.grad = grad
    rows = css(browser, '.nv-op')
    grads = [float(r.find_element('css selector', '.nv-op-grad').get_attribute('data-value')) for r in rows]
    assert grads[-1] == a.grad and grads[-2] == z.grad  # the activation, then the whole sum z
    labels = [r.find_element('css selector', '.nv-op-label') for r in rows]
    assert labels[0].text == 'w[0]*x[0]' and labels[-1].text == 'a'
    # the operation level: w[3]*x[3]'s chain rule into w[3] is backward()'s grad of that weight
    rows[6].click()
    until(browser, lambda: len(css(browser, '.nv-chain')) == 2)
    into_weight = float(css(browser, '.nv-chain')[0].get_attribute('data-contribution'))
    assert 'g(w[3]) += x[3]' in css(browser, '.nv-chain')[0].text
    assert into_weight == pytest.approx(h1[3].data * z.grad, abs=1e-15)
    assert [c.text for c in css(browser, '.nv-crumbs .nv-crumb')] == ['Network', 'L1 N3']
    css(browser, '.nv-crumbs .nv-crumb')[0].click()
    until(browser, lambda: len(css(browser, '.nv-edge')) == 304)
    assert console_errors(browser) == []


def test_the_backward_walk_equals_numpys_matrix_form(browser, served):  # noqa: F811
    open_page(browser, served)
    playground = served.session.playground
    playground.step(40)
    until(browser, lambda: by_class(browser, 'pg-step-count').text == 'step 40')
    index = playground.selected
    oracle = matrix_backprop(playground.model, playground.X[index], 'hinge', playground._targets[index])
    assert np.abs(oracle['delta'][0]).max() > 0  # the default point has a gradient
    css(browser, '.nv-tab-backward')[0].click()
    for layer in (2, 1, 0):
        until(browser, lambda: f'layer L{layer}' in by_class(browser, 'nv-walk-where').text)
        deltas = [float(c.get_attribute('data-value')) for c in css(browser, '.nv-delta-value')]
        close(deltas, oracle['delta'][layer])
        ups = [float(c.get_attribute('data-value')) for c in css(browser, '.nv-upstream')]
        close(ups, oracle['upstream'][layer])
        cells = css(browser, '.nv-cell')
        grid = np.zeros(oracle['dW'][layer].shape)
        for cell in cells:
            grid[int(cell.get_attribute('data-row')), int(cell.get_attribute('data-column'))] = \
                float(cell.get_attribute('data-value'))
        assert len(cells) == grid.size
        close(grid, oracle['dW'][layer])
        if layer < 2:  # the chosen entry's scalar sum: w_kj * delta_k over the next layer
            j = int(np.argmax(np.abs(oracle['delta'][layer])))
            css(browser, f'.nv-delta-row[data-index="{j}"]')[0].click()
            until(browser, lambda: len(css(browser, '.nv-term')) == len(oracle['delta'][layer + 1]))
            terms = [float(t.get_attribute('data-value')) for t in css(browser, '.nv-term')]
            close(terms, oracle['W'][layer + 1][:, j] * oracle['delta'][layer + 1])
            close([float(css(browser, '.nv-total')[0].get_attribute('data-value'))], [oracle['delta'][layer][j]])
        if layer:
            css(browser, '.nv-earlier')[0].click()
    assert console_errors(browser) == []


def test_after_200_steps_the_shown_point_still_has_a_gradient(browser, served):  # noqa: F811
    open_page(browser, served)
    playground = served.session.playground
    playground.step(200)
    state = playground.state()
    assert not playground.picked
    assert any(w['grad'] for layer in state['network'] for n in layer for w in n['weights'])
    until(browser, lambda: by_class(browser, 'pg-step-count').text == 'step 200')
    until(browser, lambda: f"point {state['selected']} " in by_class(browser, 'nv-title').text)
    assert 'gradient is 0' not in by_class(browser, 'nv-title').text


def test_points_on_top_of_each_other_are_each_selectable(browser, served):  # noqa: F811
    playground = served.session.playground
    playground.configure(dataset='spirals')
    open_page(browser, served)
    X = playground.X
    same = [i for i, p in enumerate(X) if abs(p[0]) < 1e-9 and abs(p[1]) < 1e-9]
    assert len(same) >= 2  # the three spirals all start at (0, 0)
    seen = set()
    for _ in range(len(same) + 3):  # clicking one spot again and again visits every point there
        top = css(browser, f'circle[data-index="{same[0]}"]')[0]
        before = playground.selected
        browser.execute_script('arguments[0].dispatchEvent(new MouseEvent("click", {bubbles: true}))', top)
        until(browser, lambda: playground.selected != before)  # each click moves on
        until(browser, lambda: f'point {playground.selected} ' in by_class(browser, 'nv-title').text)
        seen.add(playground.selected)
    assert set(same) <= seen
    assert console_errors(browser) == []
