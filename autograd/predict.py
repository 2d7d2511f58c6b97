"""Predict, then reveal: the questions a backward step asks the learner.

A backward step (autograd/steps.py) pushes `out.grad` into each parent:
`parent.grad += local * out.grad`, with `local` = d(out)/d(parent). In
predict mode the stepper asks, for each parent edge in turn, first the local
derivative and then the parent's grad after the `+=`, and only then shows
the step. This module computes, per step, what to ask: the right answer,
the numbers the learner may name in a typed expression (the frame's named
values), and the wrong answers that the classic mistakes give, each with a
hint that names the mistake:

* `=` instead of `+=` on a value used twice (its grad already held a share),
* a sign slip (in subtraction: `a - b` is `a + (-b)`, and d(-b)/db = -1),
* tanh's derivative as `1 - t` instead of `1 - t**2`, or from its input,
* leaving out the upstream grad (the chain rule's `* out.grad`),
* exp's derivative from its input instead of its output,

and a few more of the same kind (swapped operands of `*`, `n * x**n` for a
power, `x` for log's `1/x`). The operations' derivatives in words come from
the catalogue of `autograd.exercises`, where it has the operation.

Grading happens in the page (autograd/web/predict.js): it evaluates what
was typed with a small parser of its own, without eval, so the saved page,
the notebook and a static site all grade alike. This module only ships the
numbers, as `drill_data(root)` (the "predict" entry of the stepper's page
data, see autograd/stepper.py):

    {"rtol": RTOL, "atol": ATOL,
     "frames": [null,                         # frame 0, the start: nothing to ask
                {"intro": text, "questions": [
                    {"kind": "local" | "grad", "prompt": text, "answer": number,
                     "reveal": text, "rule": text, "names": {name: number},
                     "mistakes": [[number, hint], ...]}, ...]}, ...]}

Numbers that JSON cannot write (nan, inf) are sent as strings.
"""

import math
import re

from .engine import Value
from .exercises import OPERATIONS
from .steps import _short, backward_steps

__all__ = ['drill', 'drill_data', 'Question', 'RTOL', 'ATOL']

# A typed answer is right within RTOL of the answer (plus ATOL near zero).
# The prompts show numbers to 6 significant digits, so 1e-3 accepts any
# arithmetic on them and still tells every classic mistake apart that
# differs by more than a tenth of a percent.
RTOL = 1e-3
ATOL = 1e-6

# The hints, one per classic mistake. `{p}` is the parent's name, `{out}`
# the node's, `{g}` out.grad, `{rule}` the local derivative in words.
HINTS = {
    'accumulate': ('the `=` instead of `+=` mistake: {p}.grad already held a share from another use '
                   'of {p}; gradients add up, so the new share is added to it, not put in its place'),
    'upstream': ('the upstream grad is missing: the chain rule multiplies the local derivative by '
                 '{out}.grad = {g}'),
    'subtraction_sign': ('a sign slip in subtraction: a - b is computed as a + (-b), this node is the -b, '
                         'and d(-b)/db = -1'),
    'sign': 'a sign slip: {rule}',
    'tanh_one_minus_t': "tanh's derivative is 1 - t**2 with t = tanh's output ({out}.data), not 1 - t",
    'tanh_input': "tanh's derivative uses its output t = {out}.data: 1 - t**2, not 1 - {p}.data**2",
    'exp_input': "exp's derivative is exp itself, its output {out}.data, not its input {p}.data",
    'mul_swapped': "the operands are swapped: d(a*b)/da = b, the other operand's data, not {p}'s own",
    'power_exponent': 'd/dx x**n = n * x**(n-1): the exponent in the derivative is n - 1',
    'log_input': 'd/dx log(x) = 1/x, not x',
    'pushed_as_local': ('that is the share pushed into {p}.grad (local derivative * {out}.grad); '
                        'the local derivative is d({out})/d({p}) alone'),
    'pass_through': ('{out}.grad passes on unchanged only where the local derivative is 1 (as in +); '
                     'here it is {rule}'),
}

# The exercises' catalogue says each operation's derivative in words; the
# rules' names (engine.Rule.name) map onto its keys.
_DERIVATIVE_WORDS = {operation.key: operation.derivative for operation in OPERATIONS}
_CATALOGUE_KEY = {'+': '+', '+{}': '+', '*': '*', '*{}': '*', '/': '/', '/{}': '/', '{}/': '/',
                  '**{}': '**', 'exp': 'exp', 'log': 'log', 'tanh': 'tanh', 'relu': 'relu',
                  'sin': 'sin', 'cos': 'cos'}
# Short names for an operation's output, as the hints and textbooks write them.
_OUTPUT_ALIASES = {'tanh': 't', 'sigmoid': 's'}
_IDENTIFIER = re.compile(r'[A-Za-z_]\w*\Z')


class Question:
    """One thing the learner predicts: `kind` is 'local' (d(out)/d(parent))
    or 'grad' (the parent's grad after the `+=`). `answer` is the number,
    `names` the numbers a typed expression may name, `mistakes` a list of
    (wrong number, hint naming the mistake), `rule` the derivative in words
    for a wrong answer no mistake explains, `reveal` the answer in words."""

    __slots__ = ('kind', 'prompt', 'answer', 'reveal', 'rule', 'names', 'mistakes')

    def __init__(self, kind, prompt, answer, reveal, rule, names, mistakes):
        self.kind, self.prompt, self.answer, self.reveal = kind, prompt, answer, reveal
        self.rule, self.names, self.mistakes = rule, names, mistakes

    def __repr__(self):
        return f'Question({self.prompt!r}, answer={self.answer!r})'

    def as_data(self):
        return {'kind': self.kind, 'prompt': self.prompt, 'answer': _json_number(self.answer),
                'reveal': self.reveal, 'rule': self.rule,
                'names': {name: _json_number(x) for name, x in self.names.items()},
                'mistakes': [[_json_number(x), hint] for x, hint in self.mistakes]}


def drill(root):
    """The questions of predict mode: one list per backward step (the order
    of `backward_steps(root)`), two questions per parent edge: its local
    derivative, then the parent's grad after the update. Computed from zero
    grads, as the stepper shows them; the graph's grads are left as they were."""
    if not isinstance(root, Value):
        raise TypeError(f'predict mode needs a Value as root, got {type(root).__name__}')
    return [questions for _, questions in _drill(root)]


def drill_data(root):
    """The drill as the stepper's page data (the module docstring has its shape)."""
    frames = [None]
    for step, questions in _drill(root):
        intro = (f'step {step.index + 1} of {step.total}: {step.name} = {step.expression} pushes '
                 f'{step.name}.grad = {_short(step.grad)} into its parents. Predict, then see: '
                 f'a grad drawn as ? is still 0.')
        frames.append({'intro': intro, 'questions': [question.as_data() for question in questions]})
    return {'rtol': RTOL, 'atol': ATOL, 'frames': frames}


def _drill(root):
    """(step, its questions) per backward step."""
    if not isinstance(root, Value):
        raise TypeError(f'predict mode needs a Value as root, got {type(root).__name__}')
    steps = _steps_from_zero(root)
    taken = {step.name for step in steps} | {update.name for step in steps for update in step.updates}
    return [(step, [question for update in step.updates for question in _questions(step, update, taken)])
            for step in steps]


def _steps_from_zero(root):
    """The backward steps from zero grads (leaves too: a grad left over from an
    earlier backward() would show up in the answers); grads restored after."""
    order = _all_values(root)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        return list(backward_steps(root))
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def _all_values(root):
    seen, stack, order = {id(root)}, [root], []
    while stack:
        node = stack.pop()
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return order


def _questions(step, update, taken):
    """The two questions of one parent edge: its local derivative, then its grad after."""
    node, out, p = step.node, step.name, update.name
    local, g, before = update.local_derivative, update.out_grad, update.before
    rule_name = node.rule.name
    words = _derivative_words(step, update)
    names = _names(step, update, taken)
    fill = dict(p=p, out=out, g=_short(g), rule=words)
    wrong_locals = _wrong_local_derivatives(node, update, fill)
    formula = update.formula
    local_text = formula[:-len(f' * {out}.grad')] if formula.endswith(f' * {out}.grad') else '1'
    ask_local = Question(
        'local', f'the local derivative d({out})/d({p}) = ?', local,
        f'd({out})/d({p}) = {local_text} = {_short(local)}', words, names,
        _distinct(local, wrong_locals + ([(local * g, HINTS['pushed_as_local'].format(**fill))]
                                          if g not in (0.0, 1.0) else [])))
    push = local * g
    wrong_grads = [(before + wrong * g, hint) for wrong, hint in wrong_locals]
    if before != 0.0:
        wrong_grads.insert(0, (push, HINTS['accumulate'].format(**fill)))
    if g != 1.0:
        wrong_grads += [(before + local, HINTS['upstream'].format(**fill)),
                        (local, HINTS['upstream'].format(**fill))]
    if rule_name not in ('+', '+{}'):
        wrong_grads.append((before + g, HINTS['pass_through'].format(**fill)))
    after = before + push
    so_far = f'{_short(before)} + ' if before != 0.0 else ''
    ask_grad = Question(
        'grad', f'{p}.grad after {p}.grad += {local_text} * {out}.grad = ?', after,
        f'{p}.grad = {so_far}{_short(local)} * {_short(g)} = {_short(after)}',
        f'{p}.grad += (the local derivative) * {out}.grad', names, _distinct(after, wrong_grads))
    return [ask_local, ask_grad]


def _wrong_local_derivatives(node, update, fill):
    """(wrong local derivative, hint) for the classic mistakes of this operation."""
    rule_name, x, y = node.rule.name, update.parent.data, node.data
    local = update.local_derivative
    wrong = []
    if rule_name == 'tanh':
        wrong += [(1.0 - y, HINTS['tanh_one_minus_t']), (1.0 - x * x, HINTS['tanh_input'])]
    elif rule_name == 'exp':
        wrong.append((x, HINTS['exp_input']))
    elif rule_name == 'log':
        wrong.append((x, HINTS['log_input']))
    elif rule_name == '*' and node.parents[0] is not node.parents[1]:
        wrong.append((x, HINTS['mul_swapped']))
    elif rule_name == '**{}':
        n = node.constant
        wrong.append((n * x ** n if x > 0 or float(n).is_integer() else math.nan, HINTS['power_exponent']))
    negation = rule_name == '*{}' and node.constant == -1.0
    wrong.append((-local, HINTS['subtraction_sign' if negation else 'sign']))
    return [(value, hint.format(**fill)) for value, hint in wrong]


def _distinct(answer, wrong):
    """The mistakes that a grader can tell from the answer, each number once
    (the first hint wins), finite only."""
    kept = []
    for value, hint in wrong:
        if not math.isfinite(value) or _close(value, answer):
            continue
        if any(_close(value, seen) for seen, _ in kept):
            continue
        kept.append((value, hint))
    return kept


def _close(got, expected):
    return abs(got - expected) <= ATOL + RTOL * abs(expected)


def _derivative_words(step, update):
    """The local derivative in words: the exercises' catalogue where it has
    the operation, else the rule's own words for this node."""
    key = _CATALOGUE_KEY.get(step.node.rule.name)
    if key == '*' and step.node.constant == -1.0:
        return 'd(-x)/dx = -1'
    if key in _DERIVATIVE_WORDS:
        return _DERIVATIVE_WORDS[key]
    formula = update.formula
    local_text = formula[:-len(f' * {step.name}.grad')] if ' * ' in formula else '1'
    return f'd({step.name})/d({update.name}) = {local_text}'


def _names(step, update, taken):
    """The numbers a typed answer may name: the node and the parent by their
    names (`v3`, `v3.data`, `v3.grad`), `out` for the node's data, and the
    short names of the hints (`t` for tanh's output, `x` for a one-operand
    operation's input) where the graph does not use them. The parent's grad
    is its grad before this edge's update."""
    node, out = step.node, step.name
    names = {}

    def bind(name, data, grad):
        if _IDENTIFIER.match(name):
            names[name] = names[f'{name}.data'] = data
            names[f'{name}.grad'] = grad

    for parent in node.parents:  # the other operand too: d(a*b)/da = b
        bind(_name_of(step, parent), parent.data, _grad_before(step, update, parent))
    bind(out, node.data, step.grad)
    extra = {'out': node.data}
    alias = _OUTPUT_ALIASES.get(node.rule.name)
    if alias:
        extra[alias] = node.data
    if len(node.parents) == 1:
        extra['x'] = update.parent.data
    for name, x in extra.items():
        if name not in taken:
            names.setdefault(name, x)
    return names


def _name_of(step, parent):
    for update in step.updates:
        if update.parent is parent:
            return update.name
    raise AssertionError('a parent without an update')


def _grad_before(step, update, parent):
    """The parent's grad as the learner sees it when asked about `update`: for
    an operand used twice (a * a), what the first edge left in it."""
    if parent is update.parent:
        return update.before
    return next(each.before for each in step.updates if each.parent is parent)


def _json_number(x):
    x = float(x)
    return x if math.isfinite(x) else str(x)
