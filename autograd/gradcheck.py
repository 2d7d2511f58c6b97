"""`gradcheck`: compare reverse-mode gradients with central differences.

The central difference (f(x + eps) - f(x - eps)) / (2 eps) has a
truncation error of about eps**2 |f'''(x)| / 6 (Taylor series) and a
rounding error of about eps_machine |f(x)| / eps. For values and
derivatives of order one the two balance near eps = eps_machine**(1/3),
about 6e-6 in double precision; the default eps = 1e-6 is the conventional
choice, of that order. It needs two evaluations of f
per input, where backward needs one pass for all of them: that is the
classic argument for backprop.

Arguments follow the conventions of `hessian` and `jvp`: `inputs` is a list
of numbers (or Values, whose data is used), `f(x0, x1, ...)` takes one
Value per input and returns a scalar Value (or a number, for a constant
function), and `f` must record its graph, so not inside `no_grad()`.
"""

from ._validate import check_list, check_real, is_real
from .engine import Value, is_grad_enabled, no_grad


class GradcheckRow:
    """One input's comparison."""

    __slots__ = ('index', 'label', 'analytic', 'numeric', 'abs_err', 'rel_err', 'ok')

    def __init__(self, index, label, analytic, numeric, atol, rtol):
        self.index = index
        self.label = label
        self.analytic = analytic
        self.numeric = numeric
        self.abs_err = abs(analytic - numeric)
        self.rel_err = self.abs_err / abs(numeric) if numeric else (0.0 if not self.abs_err else float('inf'))
        self.ok = self.abs_err <= atol + rtol * abs(numeric)

    def __repr__(self):
        return (f'GradcheckRow({self.label}: analytic={self.analytic!r}, numeric={self.numeric!r}, '
                f'abs_err={self.abs_err:.3g}, ok={self.ok})')


class GradcheckReport:
    """The result of `gradcheck`: `.ok`, `.rows` (one per input), a table as repr."""

    def __init__(self, rows, value, eps, atol, rtol, notes=()):
        self.rows = rows
        self.notes = list(notes)  # what the table alone would not explain
        self.value = value
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.ok = all(row.ok for row in rows)

    def __bool__(self):
        return self.ok

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def __repr__(self):
        header = ('input', 'analytic', 'numeric', 'abs err', 'rel err', 'ok')
        table = [header] + [
            (row.label, f'{row.analytic:.10g}', f'{row.numeric:.10g}', f'{row.abs_err:.2e}',
             f'{row.rel_err:.2e}', 'yes' if row.ok else 'NO')
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        lines = ['  '.join(cell.rjust(width) for cell, width in zip(line, widths)) for line in table]
        verdict = 'passed' if self.ok else 'FAILED'
        summary = (f'gradcheck {verdict}: f = {self.value!r}, eps={self.eps:g}, '
                   f'atol={self.atol:g}, rtol={self.rtol:g}')
        return '\n'.join([summary, *lines, *(f'note: {note}' for note in self.notes)])


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, labels=None):
    """Check `f`'s reverse-mode gradient at `inputs` against central differences.

    `f` takes one `Value` per input and returns a scalar `Value` (or a
    number: a constant function, whose gradient is 0); `inputs` are numbers
    or Values (their data is used). An input passes when
    |analytic - numeric| <= atol + rtol * |numeric|. Returns a
    `GradcheckReport` (truthy when all pass).
    """
    if not callable(f):
        raise TypeError(f'gradcheck: f must be a function, got {type(f).__name__} {f!r}')
    inputs = check_list('gradcheck', 'inputs', inputs, of='of numbers')
    points = [check_real('gradcheck', f'inputs[{i}]', x.data if isinstance(x, Value) else x,
                         finite=False)
              for i, x in enumerate(inputs)]
    eps = check_real('gradcheck', 'eps', eps, above=0.0)
    atol = check_real('gradcheck', 'atol', atol, minimum=0.0)
    rtol = check_real('gradcheck', 'rtol', rtol, minimum=0.0)
    if labels is None:
        labels = [f'x{i}' for i in range(len(points))]
    elif len(labels) != len(points):
        raise ValueError(f'gradcheck: {len(labels)} labels for {len(points)} inputs')
    if not is_grad_enabled():
        raise RuntimeError('gradcheck: f must record its graph; call it outside no_grad()')

    leaves = [Value(x, label) for x, label in zip(points, labels)]
    root = _call(f, leaves)
    if isinstance(root, Value):
        root.backward()
    analytic = [leaf.grad for leaf in leaves]  # all 0.0 for a constant f

    rows, notes = [], []
    with no_grad():
        for i, x in enumerate(points):
            probes = {}
            for sign in ('+', '-'):
                shifted = list(points)
                shifted[i] = x + eps if sign == '+' else x - eps
                where = (f'the central-difference probe {labels[i]} {sign} eps = {shifted[i]!r} '
                         f'(eps={eps:g}), a point gradcheck chose, not one you passed')
                try:
                    probes[sign] = _data(_call(f, [Value(v) for v in shifted]))
                except Exception as error:
                    message = (f'gradcheck: f failed at {where}: {error}; move {labels[i]} further '
                               f'from the edge of the domain or pass a smaller eps')
                    raise _same_kind(error, message) from error
                if probes[sign] != probes[sign] or abs(probes[sign]) == float('inf'):
                    notes.append(f'f is {probes[sign]!r} at {where}: {labels[i]} is within eps of the '
                                 f'edge of the domain; move it or pass a smaller eps')
            numeric = (probes['+'] - probes['-']) / (2 * eps)
            rows.append(GradcheckRow(i, labels[i], analytic[i], numeric, atol, rtol))
    return GradcheckReport(rows, _data(root), eps, atol, rtol, notes)


def _same_kind(error, message):
    """An exception of error's type with `message` (ValueError if that type
    cannot be made from one message)."""
    try:
        return type(error)(message)
    except Exception:
        return ValueError(message)


def _call(f, leaves):
    root = f(*leaves)
    if not (isinstance(root, Value) or is_real(root)):
        raise TypeError(f'gradcheck: f must return a scalar Value, got {type(root).__name__} {root!r}')
    return root


def _data(root):
    return root.data if isinstance(root, Value) else float(root)
