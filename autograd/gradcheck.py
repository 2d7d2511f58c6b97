"""`gradcheck`: compare reverse-mode gradients with central differences.

The central difference (f(x + eps) - f(x - eps)) / (2 eps) has error
O(eps**2) from the Taylor series, plus rounding error of about
eps_machine * |f| / eps, so eps = 1e-6 balances the two for values of
order one. It needs two evaluations of f per input, where backward needs
one pass for all of them: that is the classic argument for backprop.
"""

from .engine import Value, _as_number, no_grad


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

    `f` takes one `Value` per input and returns a scalar `Value`; `inputs`
    are numbers. An input passes when |analytic - numeric| <= atol +
    rtol * |numeric|. Returns a `GradcheckReport` (truthy when all pass).
    """
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, '__iter__'):
        raise TypeError(f'gradcheck: inputs must be a list of numbers, got {inputs!r}')
    inputs = list(inputs)
    points = [_as_number(x) for x in inputs]
    for x, point in zip(inputs, points):
        if point is None:
            raise TypeError(f'gradcheck: inputs must be numbers, got {type(x).__name__}: {x!r}')
    if not eps > 0:
        raise ValueError(f'gradcheck: eps must be positive, got {eps!r}')
    if labels is None:
        labels = [f'x{i}' for i in range(len(points))]
    elif len(labels) != len(points):
        raise ValueError(f'gradcheck: {len(labels)} labels for {len(points)} inputs')

    leaves = [Value(x, label) for x, label in zip(points, labels)]
    out = _call(f, leaves)
    out.backward()
    analytic = [leaf.grad for leaf in leaves]

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
                    probes[sign] = _call(f, [Value(v) for v in shifted]).data
                except Exception as error:
                    message = (f'gradcheck: f failed at {where}: {error}; move {labels[i]} further '
                               f'from the edge of the domain or pass a smaller eps')
                    raise _same_kind(error, message) from error
                if probes[sign] != probes[sign] or abs(probes[sign]) == float('inf'):
                    notes.append(f'f is {probes[sign]!r} at {where}: {labels[i]} is within eps of the '
                                 f'edge of the domain; move it or pass a smaller eps')
            numeric = (probes['+'] - probes['-']) / (2 * eps)
            rows.append(GradcheckRow(i, labels[i], analytic[i], numeric, atol, rtol))
    return GradcheckReport(rows, out.data, eps, atol, rtol, notes)


def _same_kind(error, message):
    """An exception of error's type with `message` (ValueError if that type
    cannot be made from one message)."""
    try:
        return type(error)(message)
    except Exception:
        return ValueError(message)


def _call(f, leaves):
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f'gradcheck: f must return a Value, got {type(out).__name__}: {out!r}')
    return out
