"""Every rule at special floats: the table that tests/test_rules_table.py runs.

`cases(rule)` gives the operand rows a rule is checked at: each special
float (0, -0.0, +-inf, nan, subnormals, 1e308, negative bases, ...) for every
operand, all pairs for two operands, triples from a shorter list for max
and min (with numbers among the operands too). `node_at(rule, operands,
is_value)` makes the node of `rule` at one row, its Value operands fresh
leaves. Importable by any test that wants to run every rule at these points
(a replayed batch, for instance).
"""

import itertools
import math

from autograd import engine

SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-310, -5e-324, 1e308, -1e308,
           math.inf, -math.inf, math.nan)
SHORT = (0.0, -0.0, 1.0, -2.5, 5e-324, 1e308, math.inf, -math.inf, math.nan)


def value_positions(rule):
    """Which operands of `rule` are Values in the rows: a built-in's number `c` is not."""
    if rule.operands is None:  # max, min: all Values, or numbers among them
        return [(True, True, True), (True, False, True), (False, True, False)]
    return [tuple(name != 'c' for name in rule.operands)]


def cases(rule):
    """(operands, is_value) rows for `rule`: the special floats in every position."""
    for is_value in value_positions(rule):
        floats = SPECIAL if len(is_value) == 1 else SHORT
        if len(is_value) == 3:
            floats = SHORT[:6] + SHORT[-1:]
        for operands in itertools.product(floats, repeat=len(is_value)):
            yield operands, is_value


def node_at(rule, operands, is_value):
    """The node `rule` makes from `operands`, each a fresh leaf where `is_value` says so."""
    parents = tuple(engine.Value(x) for x, value in zip(operands, is_value) if value)
    if all(is_value):
        constant = None
    elif rule.operands is None or not any(name == 'c' for name in rule.operands):
        constant = tuple(None if value else x for x, value in zip(operands, is_value))
    else:
        constant = operands[-1]
    return engine.make_node(rule.forward(*operands), rule, parents, constant), parents


def same(got, want, rel=0.0):
    """Equal floats, both nan, or within `rel` (relative, plus the subnormal range)."""
    if got != got or want != want:
        return got != got and want != want
    return got == want or math.isclose(got, want, rel_tol=rel, abs_tol=1e-300 if rel else 0.0)
