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
* `draw_dot` (draw.py): a graph as a Graphviz drawing.
* `backward_steps`, `forward_steps` (steps.py): backprop and the forward
  pass one node at a time, as records that can be drawn.
* `save_steps_html`, `stepper` (stepper.py): those steps behind a slider, in
  one self-contained HTML file or a Jupyter widget; the page's script and
  style are autograd/web/stepper.js and stepper.css.

None of these imports graphviz, IPython or numpy until a drawing is made.
"""

from .gradcheck import gradcheck
from .engine import Value, is_grad_enabled, no_grad
from .explain import explain
from .functional import grad, hessian, jacobian, jvp
from .draw import draw_dot
from .steps import backward_steps, forward_steps
from .stepper import save_steps_html, stepper

__all__ = ['Value', 'no_grad', 'is_grad_enabled', 'gradcheck', 'grad', 'hessian', 'jvp', 'jacobian', 'explain',
           'draw_dot', 'backward_steps', 'forward_steps', 'save_steps_html', 'stepper']
