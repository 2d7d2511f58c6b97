"""`autograd.gradcheck`: passes right gradients, catches wrong ones, reads as a table."""

import math

import pytest

from autograd import Value, gradcheck
from autograd import engine


def test_passes_on_correct_functions():
    report = gradcheck(lambda a, b: (a * b + a.exp()).tanh() / (1 + b * b), [0.3, -1.2])
    assert report.ok and bool(report)
    assert len(report.rows) == 2


def test_rows_hold_analytic_numeric_and_errors():
    report = gradcheck(lambda x, y: x * x * y, [3.0, 2.0])
    # d/dx = 2xy = 12, d/dy = x**2 = 9 (worked by hand).
    first, second = report.rows
    assert math.isclose(first.analytic, 12.0, rel_tol=1e-12)
    assert math.isclose(second.analytic, 9.0, rel_tol=1e-12)
    assert math.isclose(first.numeric, 12.0, rel_tol=1e-7)
    assert math.isclose(second.numeric, 9.0, rel_tol=1e-7)
    for row in report.rows:
        assert row.abs_err == abs(row.analytic - row.numeric)
        assert math.isclose(row.rel_err, row.abs_err / abs(row.numeric))
        assert row.ok
    assert report.value == 18.0


def test_fails_on_a_function_whose_gradient_is_cut():
    """x * x.detach() has value x**2 but reverse mode sees only one factor:
    analytic x, numeric 2x."""
    report = gradcheck(lambda x, y: x * x.detach() + y, [1.5, 4.0])
    assert not report.ok and not bool(report)
    bad, good = report.rows
    assert not bad.ok and good.ok
    assert math.isclose(bad.analytic, 1.5) and math.isclose(bad.numeric, 3.0, rel_tol=1e-7)
    assert math.isclose(bad.abs_err, 1.5, rel_tol=1e-6)


def test_fails_when_a_rule_is_wrong(monkeypatch):
    """A deliberately wrong tanh rule (1 - t instead of 1 - t**2), undone afterwards."""

    def wrong_tanh_backward(out):
        out._prev[0].grad += (1.0 - out.data) * out.grad

    with monkeypatch.context() as patch:
        patch.setattr(engine.TANH, 'backward', wrong_tanh_backward)
        report = gradcheck(lambda x, y: x.tanh() * y, [0.7, 2.0])
    assert not report.ok
    assert [row.ok for row in report.rows] == [False, True]
    assert math.isclose(report.rows[0].analytic, (1 - math.tanh(0.7)) * 2.0)
    assert math.isclose(report.rows[0].numeric, (1 - math.tanh(0.7) ** 2) * 2.0, rel_tol=1e-7)
    # The real rule is back.
    assert gradcheck(lambda x, y: x.tanh() * y, [0.7, 2.0]).ok


def test_repr_is_a_table_with_the_numbers():
    report = gradcheck(lambda x, y: x * x.detach() + y, [1.5, 4.0], labels=['x', 'y'])
    text = repr(report)
    lines = text.splitlines()
    assert 'FAILED' in lines[0]
    assert len(lines) == 4  # summary, header, one line per input
    assert 'analytic' in lines[1] and 'numeric' in lines[1]
    x_line, y_line = lines[2], lines[3]
    assert x_line.split()[0] == 'x' and 'NO' in x_line.split()
    assert y_line.split()[0] == 'y' and 'yes' in y_line.split()
    # The numbers, as written: analytic 1.5, numeric ~3.
    assert float(x_line.split()[1]) == 1.5
    assert math.isclose(float(x_line.split()[2]), 3.0, rel_tol=1e-6)
    assert 'passed' in repr(gradcheck(lambda x: x * 3, [1.0])).splitlines()[0]


def test_tolerances_are_respected():
    # Numeric gradient of x**3 at 1 has error ~eps**2; an absurdly strict
    # tolerance fails, a loose one passes.
    f = lambda x: x * x * x  # noqa: E731
    assert not gradcheck(f, [1.0], eps=1e-2, atol=0.0, rtol=1e-9).ok  # error eps**2 = 1e-4
    assert gradcheck(f, [1.0], eps=1e-2, atol=1e-3, rtol=0.0).ok


def test_accepts_any_real_numbers_as_inputs():
    import fractions

    import numpy as np

    report = gradcheck(lambda a, b, c: a * b * c, [1, fractions.Fraction(1, 2), np.float32(2.0)])
    assert report.ok and len(report.rows) == 3


@pytest.mark.parametrize(
    'call, error_type, words',
    [
        (lambda: gradcheck(lambda x: x, 'abc'), TypeError, ('inputs', 'numbers')),
        (lambda: gradcheck(lambda x: x, [1.0, 'b']), TypeError, ('inputs',)),
        (lambda: gradcheck(lambda x: x, [True]), TypeError, ('inputs',)),
        (lambda: gradcheck(lambda x: x, 3.0), TypeError, ('inputs',)),
        (lambda: gradcheck(lambda x: x, [1.0], eps=0.0), ValueError, ('eps',)),
        (lambda: gradcheck(lambda x: x, [1.0], eps=-1e-6), ValueError, ('eps',)),
        (lambda: gradcheck(lambda x: 'two', [1.0]), TypeError, ('scalar Value', 'str')),
        (lambda: gradcheck(lambda x: [x, x], [1.0]), TypeError, ('scalar Value', 'list')),
        (lambda: gradcheck(lambda x: x, [1.0], labels=['a', 'b']), ValueError, ('labels',)),
        (lambda: gradcheck(lambda x: x, [1.0], eps='small'), TypeError, ('eps', 'number')),
        (lambda: gradcheck(lambda x: x, [1.0], atol=-1.0), ValueError, ('atol', '>= 0')),
        (lambda: gradcheck(lambda x: x, [float('nan')]), ValueError, ('inputs[0]',)),
        (lambda: gradcheck('x * x', [1.0]), TypeError, ('f must be a function',)),
    ],
    ids=['str-inputs', 'str-in-list', 'bool', 'scalar-inputs', 'eps-zero', 'eps-negative',
         'f-returns-str', 'f-returns-list', 'labels', 'eps-str', 'atol-negative', 'nan-input',
         'f-not-callable'],
)
def test_bad_arguments_raise_clear_errors(call, error_type, words):
    with pytest.raises(error_type) as error:
        call()
    message = str(error.value)
    assert 'gradcheck' in message
    for word in words:
        assert word in message, f'{word!r} not in {message!r}'


# --------------------------------------------------------------------------
# The same argument conventions as hessian and jvp (autograd/functional.py)


def test_accepts_values_tuples_and_generators_as_inputs():
    f = lambda a, b: a * b.exp()  # noqa: E731
    expected = [row.analytic for row in gradcheck(f, [0.5, -0.25])]
    for inputs in ((0.5, -0.25), [Value(0.5), Value(-0.25)], (x for x in [0.5, -0.25])):
        report = gradcheck(f, inputs)
        assert report.ok and [row.analytic for row in report] == expected


def test_a_constant_function_has_gradient_zero():
    report = gradcheck(lambda x, y: 3.0, [1.0, 2.0])
    assert report.ok and report.value == 3.0
    assert [(row.analytic, row.numeric) for row in report] == [(0.0, 0.0), (0.0, 0.0)]


def test_refused_inside_no_grad_as_hessian_is():
    from autograd import no_grad
    with no_grad(), pytest.raises(RuntimeError, match='gradcheck: .*no_grad'):
        gradcheck(lambda x: x * x, [1.0])


CONVENTIONS = [
    ('list', lambda x, y: x * y, [1.0, 2.0]),
    ('tuple', lambda x, y: x * y, (1.0, 2.0)),
    ('values', lambda x, y: x * y, [Value(1.0), Value(2.0)]),
    ('fraction-and-int', lambda x, y: x * y, [__import__('fractions').Fraction(1, 2), 3]),
    ('constant-f', lambda x, y: 7.0, [1.0, 2.0]),
    ('str-inputs', lambda x, y: x * y, 'ab'),
    ('scalar-inputs', lambda x: x, 1.0),
    ('bool-input', lambda x, y: x * y, [True, 2.0]),
    ('str-input', lambda x, y: x * y, [1.0, 'b']),
    ('value-as-inputs', lambda x: x, Value(1.0)),
    ('f-returns-str', lambda x, y: 'z', [1.0, 2.0]),
    ('f-not-callable', 3, [1.0, 2.0]),
]


@pytest.mark.parametrize('f, inputs', [case[1:] for case in CONVENTIONS],
                         ids=[case[0] for case in CONVENTIONS])
def test_accepts_and_refuses_what_hessian_does(f, inputs):
    """gradcheck and hessian agree on every argument form: both accept it,
    or both raise the same type of error."""
    from autograd import hessian

    def outcome(function):
        try:
            function(f, inputs)
        except Exception as error:  # noqa: BLE001 - the type is what is compared
            return type(error)
        return None

    assert outcome(gradcheck) == outcome(hessian)
