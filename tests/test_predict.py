"""Predict mode: the questions (autograd/predict.py) and their grading
(autograd/web/predict.js, run here under Node.js, as the page runs it).

Oracles: numbers worked out by hand in each test from math (tanh, exp), the
central difference of the whole expression for the grads, and the classic
mistakes computed by hand (1 - t instead of 1 - t**2, ...), each typed as a
number and expected to come back wrong with the hint that names it.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
from autograd import Value, backward_steps, save_steps_html, stepper
from autograd.predict import ATOL, RTOL, drill, drill_data
from drawings import page_data
from test_web_assets import node_program

PREDICT_JS = Path(autograd.__file__).parent / 'web' / 'predict.js'

# Reads {"questions": [...], "typed": [[question index, text], ...], "rtol", "atol"}
# on stdin and writes the grade of each typed answer.
RUNNER = """
const grader = require(process.argv[1]);
let input = '';
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  const grades = job.typed.map(([index, text]) => grader.grade(job.questions[index], text, job.rtol, job.atol));
  process.stdout.write(JSON.stringify(grades));
});
"""


def grade(questions, typed):
    """predict.js's grade() of each (question, typed text) pair, run in Node."""
    job = {'questions': [question.as_data() for question in questions],
           'typed': [[questions.index(question), text] for question, text in typed],
           'rtol': RTOL, 'atol': ATOL}
    result = subprocess.run([node_program(), '-e', RUNNER, str(PREDICT_JS)], input=json.dumps(job),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def asked(root, about, kind):
    """The question of `kind` ('local' or 'grad') whose prompt names `about`, e.g. 'd(t)/d(x)'."""
    found = [question for questions in drill(root) for question in questions
             if question.kind == kind and about in question.prompt]
    assert len(found) == 1, [question.prompt for questions in drill(root) for question in questions]
    return found[0]


def tanh_graph():
    """L = 3 * tanh(x) at x = 0.5: the tanh step receives an upstream grad of 3."""
    x = Value(0.5, label='x')
    t = x.tanh()
    t.label = 't'
    loss = t * 3.0
    loss.label = 'L'
    return loss


def test_right_answers_as_numbers_and_as_expressions():
    loss = tanh_graph()
    local = asked(loss, 'd(t)/d(x)', 'local')
    after = asked(loss, 'x.grad after', 'grad')
    slope = 1 - math.tanh(0.5) ** 2  # by hand
    assert local.answer == pytest.approx(slope) and after.answer == pytest.approx(3 * slope)
    grades = grade([local, after], [
        (local, repr(slope)), (local, f'{slope:.4f}'), (local, '1 - t**2'), (local, '1 - t^2'),
        (local, '1 - tanh(x)**2'), (local, '(1 - t.data**2)'), (local, '1-tanh(0.5)**2'),
        (after, '(1 - t**2) * t.grad'), (after, '3 * (1 - t**2)'), (after, f'{3 * slope:.6g}'),
        (after, 'x.grad + (1 - t**2) * 3'),  # x.grad is 0 before this step
    ])
    assert [g['verdict'] for g in grades] == ['right'] * len(grades), grades
    assert grades[0]['message'].startswith('right: d(t)/d(x) = (1 - t.data**2)')


def test_the_tolerance_is_relative():
    local = asked(tanh_graph(), 'd(t)/d(x)', 'local')
    slope = 1 - math.tanh(0.5) ** 2
    grades = grade([local], [(local, repr(slope * (1 + 0.5 * RTOL))), (local, repr(slope * 1.01))])
    assert [g['verdict'] for g in grades] == ['right', 'wrong']


def test_tanh_as_one_minus_t_and_a_missing_upstream_grad_get_their_hints():
    loss = tanh_graph()
    local = asked(loss, 'd(t)/d(x)', 'local')
    after = asked(loss, 'x.grad after', 'grad')
    t = math.tanh(0.5)
    grades = grade([local, after], [
        (local, repr(1 - t)),                  # 1 - t instead of 1 - t**2
        (local, '1 - t'),                      # the same, typed as an expression
        (local, repr(1 - 0.5 ** 2)),           # from the input: 1 - x**2
        (after, repr(1 - t * t)),              # the local derivative alone: no * t.grad (3)
        (after, repr(3 * (1 - t))),            # 1 - t, carried into the grad
        (local, '0.123'),                      # no classic mistake gives this
    ])
    assert [g['verdict'] for g in grades] == ['wrong'] * 6
    assert 'not 1 - t' in grades[0]['hint'] and 'not 1 - t' in grades[1]['hint']
    assert 'uses its output' in grades[2]['hint']
    assert 'upstream grad is missing' in grades[3]['hint'] and 't.grad = 3.0' in grades[3]['hint']
    assert 'not 1 - t' in grades[4]['hint']
    assert grades[5]['hint'] == 'd/dx tanh(x) = 1 - tanh(x)**2 = 1 - out.data**2'  # the exercises' words


def test_exp_from_its_input_gets_its_hint():
    x = Value(0.7, label='x')
    e = x.exp()
    e.label = 'e'
    local = asked(e * 2.0, 'd(e)/d(x)', 'local')
    right, wrong = grade([local], [(local, repr(math.exp(0.7))), (local, '0.7')])
    assert right['verdict'] == 'right'
    assert wrong['verdict'] == 'wrong' and "exp's derivative is exp itself" in wrong['hint']


def test_a_sign_slip_in_subtraction_gets_its_hint():
    a, b = Value(2.0, label='a'), Value(5.0, label='b')
    difference = a - b  # a + (-b): the -b node is b * -1
    difference.label = 'd'
    local = asked(difference, '/d(b)', 'local')
    after = asked(difference, 'b.grad after', 'grad')
    grades = grade([local, after], [(local, '-1'), (local, '1'), (after, '-1'), (after, '1')])
    assert [g['verdict'] for g in grades] == ['right', 'wrong', 'right', 'wrong']
    assert 'sign slip in subtraction' in grades[1]['hint'] and 'sign slip in subtraction' in grades[3]['hint']


def test_assignment_instead_of_accumulation_on_a_reused_value_gets_its_hint():
    a = Value(3.0, label='a')
    y = a * a  # d(a*a)/da = 2a = 6: the second edge adds 3 to the first edge's 3
    y.label = 'y'
    second = [question for question in drill(y)[0] if question.kind == 'grad'][1]
    assert second.prompt.startswith('a.grad after') and second.answer == 6.0
    grades = grade([second], [(second, '6'), (second, 'a.grad + a * y.grad'), (second, '3')])
    assert [g['verdict'] for g in grades] == ['right', 'right', 'wrong']
    assert 'the `=` instead of `+=` mistake' in grades[2]['hint']


def test_reuse_across_operations_counts_every_share():
    # f = a*b + a: a's grad gets b from the product and 1 from the sum.
    a, b = Value(2.0, label='a'), Value(-4.0, label='b')
    f = a * b + a
    f.label = 'f'
    grads = {}
    for questions in drill(f):
        for question in questions:
            if question.kind == 'grad':
                grads[question.prompt.split('.grad')[0]] = question.answer  # the last one wins
    h = 1e-6  # the central difference of the whole expression
    assert grads['a'] == pytest.approx(((2 + h) * -4 + 2 + h - ((2 - h) * -4 + 2 - h)) / (2 * h))
    assert grads['b'] == pytest.approx(2.0)
    late = asked(f, 'a.grad after a.grad += b.data', 'grad')
    assert late.answer == pytest.approx(-3.0)  # 1 from the sum, then -4 from the product
    [assignment] = grade([late], [(late, '-4')])
    assert 'the `=` instead of `+=` mistake' in assignment['hint']


def test_unreadable_answers_get_a_message():
    local = asked(tanh_graph(), 'd(t)/d(x)', 'local')
    typed = ['', '   ', 'abc', '1 +', '2x', '(1', '1)', 'alert(1)', 'import os', '$', '1,2',
             "t'); alert(1)//", 't.__proto__', 'constructor', '(' * 60 + '1' + ')' * 60, '1' * 300,
             'log(-1)']
    grades = grade([local], [(local, text) for text in typed])
    for text, result in zip(typed, grades):
        assert result['verdict'] == 'unreadable' and result['message'], (text, result)
    assert 'unknown name' in grades[2]['message'] and "this step's names are" in grades[2]['message']
    assert 'write 2*x' in grades[4]['message'] and 'unknown function' in grades[7]['message']
    assert 'nested' in grades[14]['message'] and 'longer' in grades[15]['message']


def test_every_question_of_a_varied_graph_has_its_answer_and_no_mistake_equal_to_it():
    x, w = Value(0.8, label='x'), Value(-1.3, label='w')
    z = ((x * w).exp() + x ** 3 - 2.0 / w).log() + (x - w).relu().sigmoid()
    for questions in drill(z):
        assert len(questions) % 2 == 0
        for question in questions:
            assert math.isfinite(question.answer)
            for wrong, hint in question.mistakes:
                assert abs(wrong - question.answer) > ATOL + RTOL * abs(question.answer) and hint
    assert x.grad == 0.0 and w.grad == 0.0  # asking changes nothing in the graph


def test_the_page_carries_the_drill_and_the_grader_only_in_predict_mode(tmp_path):
    loss = tanh_graph()
    plain = save_steps_html(loss, tmp_path / 'plain.html').read_text(encoding='utf-8')
    asking = save_steps_html(loss, tmp_path / 'predict.html', predict=True).read_text(encoding='utf-8')
    grader = PREDICT_JS.read_text(encoding='utf-8')
    assert grader not in plain and 'class="bl-predict"' not in plain and 'predict' not in page_data(plain)
    assert grader in asking and 'class="bl-predict"' in asking
    data = page_data(asking)
    assert data['predict'] == json.loads(json.dumps(drill_data(loss)))
    assert len(data['predict']['frames']) == len(data['frames']) and data['predict']['frames'][0] is None
    with pytest.raises(ValueError, match='backward'):
        save_steps_html(loss, tmp_path / 'forward.html', direction='forward', predict=True)
    with pytest.raises(TypeError, match='Value'):
        drill(3.0)


def test_stepper_in_predict_mode_shows_the_grading_page(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, 'display', shown.append)
    monkeypatch.setattr(sys.modules['autograd.stepper'], '_in_notebook', lambda: True)  # as in a Jupyter kernel
    stepper(tanh_graph(), predict=True)  # ipywidgets is installed: still the page, which grades
    assert isinstance(shown[-1], IPython.display.HTML)
    assert 'predict' in page_data(shown[-1].data) and 'BackpropPredict' in shown[-1].data


DRAWER_EXPRESSIONS = [
    ('tanh(x*w + b)', dict(x=2.0, w=-3.0, b=6.88)),
    ('x*x + 3*x - 1/x', dict(x=1.7)),
    ('exp(x - y) * sigmoid(x*y) + log(y) ** 2', dict(x=0.3, y=2.5)),
    ('sqrt(x) + abs(y) + relu(x - y) + leaky_relu(y - x) + softplus(x*y)', dict(x=0.8, y=-1.1)),
    ('x ** y + 2 ** x + max(x, y, 0.5) - min(x*y, 1) + clamp(y, -1, 1)', dict(x=1.3, y=0.6)),
    ('sin(x) * cos(x*x) / (1 + x)', dict(x=0.9)),
]


@pytest.mark.parametrize('expression, inputs', DRAWER_EXPRESSIONS, ids=[e for e, _ in DRAWER_EXPRESSIONS])
def test_any_expression_the_drawer_accepts_gets_right_answers(expression, inputs):
    """Oracles: the central difference of each operation's forward in the parent's
    slot (local derivatives) and of the whole expression (each input's final grad)."""
    from autograd.__main__ import evaluate

    h = 1e-6
    root = evaluate(expression, inputs)
    final = {}
    for questions in drill(root):
        for question in questions:
            if question.kind == 'grad':
                final[question.prompt.split('.grad')[0]] = question.answer
    for name in inputs:
        up, down = dict(inputs), dict(inputs)
        up[name] += h
        down[name] -= h
        slope = (evaluate(expression, up).data - evaluate(expression, down).data) / (2 * h)
        assert final[name] == pytest.approx(slope, rel=1e-5, abs=1e-6), name
    for step, questions in zip(backward_steps(root), drill(root)):
        operands = list(step.node.operands)
        value_slots = [slot for slot, x in enumerate(operands) if isinstance(x, Value)]
        locals_asked = [question.answer for question in questions if question.kind == 'local']
        for slot, asked_local in zip(value_slots, locals_asked):
            def moved(shift):
                numbers = [x.data if isinstance(x, Value) else x for x in operands]
                numbers[slot] += shift
                return step.node.rule.forward(*numbers)

            slope = (moved(h) - moved(-h)) / (2 * h)
            assert asked_local == pytest.approx(slope, rel=1e-5, abs=1e-6), (step.expression, slot)


def test_the_draw_command_writes_the_drill(tmp_path, capsys, monkeypatch):
    from autograd.__main__ import main

    monkeypatch.chdir(tmp_path)
    assert main(['draw', 'tanh(x*w + b)', 'x=2', 'w=-3', 'b=6.88', '--steps', 'drill.html', '--predict']) == 0
    data = page_data((tmp_path / 'drill.html').read_text(encoding='utf-8'))
    assert [len(frame['questions']) for frame in data['predict']['frames'][1:]] == [2, 4, 4]
    for arguments in (['-o', 'g.svg', '--predict'], ['--steps', 's.html', '--forward', '--predict']):
        assert main(['draw', 'x*x', 'x=2'] + arguments) == 2
        error = capsys.readouterr().err
        assert '--predict goes with --steps' in error and error.count('\n') == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ['drill.html']
