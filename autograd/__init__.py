"""A scalar reverse-mode automatic-differentiation engine, built to be read.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x')
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad                      # dy/dx = 2x + 3
    7.0

Where things are:

* `Value`, `no_grad` (engine.py): the node, its operations, `backward()`.
* `gradcheck` (gradcheck.py): reverse mode against central differences.
* `grad`, `hessian`, `jvp`, `jacobian` (functional.py): higher-order
  derivatives and forward mode.
* `explain` (explain.py): a gradient as a sum over paths.
* `draw_dot`, `backward_steps` (viz.py): drawings and the step-by-step
  backward pass; `autograd.viz` also has the HTML and Jupyter steppers.

None of these imports graphviz, IPython or numpy until a drawing is made.
"""

from .gradcheck import gradcheck
from .engine import Value, is_grad_enabled, no_grad
from .explain import explain
from .functional import grad, hessian, jacobian, jvp
from .viz import backward_steps, draw_dot

__all__ = ['Value', 'no_grad', 'is_grad_enabled', 'gradcheck', 'grad', 'hessian', 'jvp', 'jacobian', 'explain',
           'draw_dot', 'backward_steps']
