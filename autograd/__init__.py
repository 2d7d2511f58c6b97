"""A scalar reverse-mode automatic-differentiation engine, built to be read.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x')
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad                      # dy/dx = 2x + 3
    7.0

`Value` and `no_grad` are the engine (engine.py); `gradcheck` compares with
central differences (check.py).
"""

from .check import gradcheck
from .engine import Value, is_grad_enabled, no_grad
from .viz import backward_steps, draw_dot
from .explain import explain
from .functional import grad, hessian, jacobian, jvp

__all__ = ['Value', 'no_grad', 'is_grad_enabled', 'gradcheck', 'grad', 'hessian', 'jvp', 'jacobian', 'explain',
           'draw_dot', 'backward_steps']
