"""One table-driven test over every rule and the special floats (tests/rules_table.py).

Each derivative is written once, in its rule's `partials`. A rule may also
have a hand-written fast backward; these tests check that every fast
backward pushes exactly what `partials` says, and that `partials` gives the
same numbers on floats (backward, explain, jvp, the stepper) as on Values
(higher-order grad), at 0, -0.0, +-inf, nan, subnormals, 1e308 and negative
bases. A disagreement such as d/dx x**y at x = y = 0 (0 by one path, nan by
the other) fails here, for any rule added later too.
"""

import math

import pytest

from autograd import engine
from autograd.rule import backward_from_partials, local_derivatives
import rules_table
from autograd.graph import topo_order, value_names
from rules_table import cases, node_at, same

FAST = [rule for rule in engine.RULES if rule.backward is not backward_from_partials]


def test_the_rules_with_a_fast_backward_are_the_measured_few():
    # docs/design.md, "A rule", says why each of these has one.
    assert {rule.name for rule in FAST} == {'+', '*', '*{}', '/', '/{}', 'log', 'relu', 'max', 'min'}


@pytest.mark.parametrize('rule', FAST, ids=lambda rule: rule.name)
def test_a_fast_backward_pushes_what_partials_say(rule):
    for operands, is_value in cases(rule):
        for g in (1.0, -2.5):
            out, parents = node_at(rule, operands, is_value)
            out.grad = g
            rule.backward(out)
            local = local_derivatives(out)
            assert len(local) == len(parents)
            for position, (parent, d) in enumerate(zip(parents, local)):
                # With out.grad = 1 the push is the local derivative itself, to the bit;
                # otherwise out.grad / b may differ from (1 / b) * out.grad in the last bit.
                assert same(parent.grad, d * g, rel=0.0 if g == 1.0 else 1e-15), (
                    f'{rule.name} at {operands}: the fast backward pushes {parent.grad!r} into '
                    f'operand {position}, partials say {d!r} * {g}')


@pytest.mark.parametrize('rule', engine.RULES, ids=lambda rule: rule.name)
def test_partials_agree_on_floats_and_on_values(rule):
    for operands, is_value in cases(rule):
        out, _ = node_at(rule, operands, is_value)
        on_floats = local_derivatives(out)
        on_values = [d.data if isinstance(d, engine.Value) else d
                     for d in local_derivatives(out, as_values=True)]
        assert len(on_floats) == len(on_values)
        for position, (f, v) in enumerate(zip(on_floats, on_values)):
            assert same(f, v, rel=1e-15), (
                f'{rule.name} at {operands}: d/d(operand {position}) is {f!r} on floats, {v!r} on Values')


@pytest.mark.parametrize('rule', engine.RULES, ids=lambda rule: rule.name)
def test_the_generic_backward_agrees_with_the_rule_s_own(rule):
    # The same check the other way round: backward_from_partials, which every
    # rule without a fast backward uses, against the rule's backward.
    for operands, is_value in cases(rule):
        pushes = []
        for backward in (rule.backward, backward_from_partials):
            out, parents = node_at(rule, operands, is_value)
            out.grad = 1.0
            backward(out)
            pushes.append([parent.grad for parent in parents])
        assert all(map(same, *pushes)), f'{rule.name} at {operands}: {pushes[0]} != {pushes[1]}'


def test_power_at_zero_to_the_zero_is_flat_in_the_base_by_every_path():
    # x**0 is the constant 1, so d/dx x**y at y = 0 is 0, also at x = 0 where
    # y * x**(y - 1) would be 0 * inf = nan (PyTorch gives 0 too).
    from autograd import explain, grad, jvp
    x, y = engine.Value(0.0, 'x'), engine.Value(0.0, 'y')
    z = x ** y
    z.backward()
    assert x.grad == 0.0 and y.grad == -math.inf
    assert local_derivatives(z) == (0.0, -math.inf)
    assert [d.data if isinstance(d, engine.Value) else d for d in local_derivatives(z, as_values=True)] == [0.0, -math.inf]
    assert explain(z, x).total == 0.0
    assert jvp(lambda a, b: a ** b, [0.0, 0.0], [1.0, 0.0])[1] == 0.0
    assert grad(z, [x]) == [0.0]


# --------------------------------------------------------------------------
# Every rule through every tool, at a regular point


REGULAR = (0.7, 1.3, 0.4)  # positive (log, sqrt), apart (max, min), off every kink


def _apply(rule, xs, data=None):
    """`rule` on the Values `xs` (and its number operands), as the eager engine builds it.

    `data`: the numbers the Values hold, when known; a function given to
    `trace` must not read `.data` (the tracer refuses it), so it passes them."""
    kinds = rules_table.value_positions(rule)[0]
    values, held = iter(xs), iter([x.data for x in xs] if data is None else data)
    operands = [next(values) if kind else x for kind, x in zip(kinds, REGULAR)]
    parents = tuple(x for x in operands if isinstance(x, engine.Value))
    numbers = [next(held) if kind else x for kind, x in zip(kinds, REGULAR)]
    constant = None if all(kinds) else (operands[-1] if 'c' in (rule.operands or ()) else
                                         tuple(None if kind else x for kind, x in zip(kinds, numbers)))
    return engine.make_node(rule.forward(*numbers), rule, parents, constant)


def _inputs(rule):
    kinds = rules_table.value_positions(rule)[0]
    return [x for kind, x in zip(kinds, REGULAR) if kind]


@pytest.mark.parametrize('rule', engine.RULES, ids=lambda rule: rule.name)
def test_every_tool_handles_every_rule(rule):
    import autograd
    from autograd.stepper import frame_states

    points = _inputs(rule)
    leaves = [engine.Value(x, f'x{i}') for i, x in enumerate(points)]
    out = _apply(rule, leaves)
    out.backward()
    want = [leaf.grad for leaf in leaves]
    assert all(math.isfinite(g) for g in want)
    # the stepper's steps and frames, and their texts
    for leaf in leaves:
        leaf.grad = 0.0
    steps = list(autograd.backward_steps(out))
    names = value_names(topo_order(out))
    assert [leaf.grad for leaf in leaves] == want and rule.texts(out, names.get)[0] in steps[-1].text
    names, frames = frame_states(out)
    assert len(frames) == len(steps) + 1
    # explain, grad, higher-order grad, jvp
    for leaf, g in zip(leaves, want):
        assert math.isclose(autograd.explain(out, leaf).total, g, rel_tol=1e-12)
    assert autograd.grad(out, leaves) == pytest.approx(want, rel=1e-12)
    first = autograd.grad(out, leaves, create_graph=True)
    for g in first:
        autograd.grad(g, leaves)  # differentiable again
    for j in range(len(leaves)):
        tangent = [1.0 if i == j else 0.0 for i in range(len(leaves))]
        assert autograd.jvp(lambda *xs: _apply(rule, xs), points, tangent)[1] == pytest.approx(want[j], rel=1e-12)
    # the drawing, the tracer's replay, detect_anomaly
    assert f'label="{out._op}"' in autograd.draw_dot(out).source or f'label={out._op}' in autograd.draw_dot(out).source
    program = autograd.trace(lambda xs: _apply(rule, xs, points), points)
    assert program(points) == out.data and program.input_grads[0] == pytest.approx(want, rel=1e-12)
    assert rule.texts(out, lambda value: 'x')[0].split('(')[0].split(' ')[0] in program.listing(full=True)
    with autograd.detect_anomaly():
        again = [engine.Value(x) for x in points]
        _apply(rule, again).backward()
    assert [leaf.grad for leaf in again] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize('name', sorted(engine.FUNCTIONS))
def test_the_draw_command_calls_every_function(name, tmp_path):
    from autograd.__main__ import evaluate, main

    for expression in (f'{name}(x)', f'{name}(x, y)', f'{name}(x, 0.5)'):
        try:
            root = evaluate(expression, {'x': 0.7, 'y': 1.3})
        except Exception:
            continue
        if root.rule is None:  # clamp(x): no bound, no operation
            continue
        assert main(['draw', expression, 'x=0.7', 'y=1.3', '-o', str(tmp_path / 'g.dot')]) == 0
        return
    pytest.fail(f'the draw command cannot call {name}')
