"""gradcheck names its central-difference probe when f fails or is not finite
there (autograd/gradcheck.py): the point x +- eps is gradcheck's, not the user's."""

import pytest

from autograd import gradcheck


def test_a_probe_past_the_edge_of_the_domain_is_named_as_the_probe():
    # log at 1e-7 with eps = 1e-6: the probe 1e-7 - 1e-6 < 0 is gradcheck's, not the user's.
    report = gradcheck(lambda x: x.log(), [1e-7])
    assert not report.ok
    assert 'central-difference probe x0 - eps = -9e-07' in repr(report) and 'not one you passed' in repr(report)

    def strict_log(x):
        if x.data <= 0:
            raise ValueError('math domain error')
        return x.log()

    with pytest.raises(ValueError, match=r'probe x0 - eps = -9e-07 .*math domain error'):
        gradcheck(strict_log, [1e-7])
    assert gradcheck(strict_log, [1.0]).notes == []
