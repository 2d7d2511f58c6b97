"""Predict mode in a real browser (headless Chromium through Selenium): the
page hides a step's answers, grades what is typed, names the classic mistake
of a planted wrong answer, reveals the step when its questions are done and
keeps a score.

Oracles: numbers worked out by hand (the README's tanh neuron: o = tanh(n)
with tanh(n) = 1/sqrt(2), so do/dn = 1 - 1/2 = 0.5), and the steps' own texts
for what a revealed frame shows.
"""

import pytest

from autograd import save_steps_html
from drawings import neuron, page_data, page_frame
from test_stepper_browser import browser  # noqa: F401 (the fixture)

PANEL = """
var panel = document.querySelector('.bl-predict');
var text = function (name) { return panel.querySelector('.' + name).textContent; };
var grads = {};
document.querySelectorAll('.bl-stepper g.node').forEach(function (g) {
  if (g.querySelector('title').textContent.indexOf('op') === 0) return;  // operations show no grad
  var texts = g.querySelectorAll('text');
  grads[g.querySelector('title').textContent] = texts[texts.length - 1].textContent;
});
return {question: text('question'), verdict: text('verdict'), hint: text('hint'), score: text('score'),
        text: document.querySelector('.bl-stepper .text').textContent, grads: grads,
        counter: document.querySelector('.bl-stepper .counter').textContent};
"""


def find(browser, name):
    return browser.find_element('css selector', f'.bl-stepper .{name}')


def answer(browser, typed):
    box = find(browser, 'answer')
    box.clear()
    box.send_keys(typed)
    find(browser, 'check').click()
    return browser.execute_script(PANEL)


@pytest.fixture
def page(browser, tmp_path):  # noqa: F811 (the fixture imported above)
    o, _ = neuron()
    path = save_steps_html(o, tmp_path / 'predict.html', predict=True)
    browser.get(path.as_uri())
    return path.read_text(encoding='utf-8')


def test_a_right_answer_is_right_and_a_planted_mistake_gets_its_hint(browser, page):
    start = browser.execute_script(PANEL)
    assert 'press next' in start['question'] and start['counter'] == 'start'
    find(browser, 'next').click()
    shown = browser.execute_script(PANEL)
    # Step 1, o = tanh(n): asked before it is shown; n's grad is still hidden.
    assert shown['counter'] == 'step 1 of 5' and 'Predict' in shown['text']
    assert shown['question'] == 'question 1 of 2: the local derivative d(o)/d(n) = ?'
    assert shown['grads'] == {key: grad for key, (_, _, grad) in page_frame(page, 0).items()}
    shown = answer(browser, '1 - 0.7071')  # 1 - t instead of 1 - t**2
    assert shown['verdict'].startswith('not quite') and "tanh's derivative is 1 - t**2" in shown['hint']
    assert shown['question'].startswith('question 1 of 2')  # still asking: try again
    shown = answer(browser, 'nonsense(')
    assert shown['verdict'].startswith('not a number nor an expression') and shown['hint'] == ''
    shown = answer(browser, '1 - t**2')  # no value is called t here: an alias of tanh's output
    assert shown['verdict'] == 'right: d(o)/d(n) = (1 - o.data**2) = 0.5'
    assert shown['question'] == 'question 2 of 2: n.grad after n.grad += (1 - o.data**2) * o.grad = ?'
    shown = answer(browser, '0.5')
    # Done: the step is revealed, as the plain stepper shows it.
    assert shown['verdict'].startswith('right') and 'press next' in shown['question']
    assert shown['text'] == page_data(page)['frames'][1][0]
    assert shown['grads'] == {key: grad for key, (_, _, grad) in page_frame(page, 1).items()}
    assert shown['score'] == 'score so far: 1 of 2 right at the first try, 16 to go'


def test_the_score_at_the_end(browser, page):
    for _ in range(5):
        find(browser, 'next').click()
        while browser.execute_script(PANEL)['question'].startswith('question'):
            find(browser, 'reveal').click()
    shown = browser.execute_script(PANEL)
    assert shown['counter'] == 'step 5 of 5'
    assert shown['score'] == 'score: 0 of 18 right at the first try (all 18 questions answered)'
    assert shown['verdict'].startswith('the answer: ')
