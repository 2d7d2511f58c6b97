"""A scalar reverse-mode automatic-differentiation engine, built to be read.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x')
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad                      # dy/dx = 2x + 3
    7.0

Where things are:

* `Value`, `no_grad` and the functions of Values and floats (`exp`, `log`,
  `sin`, `cos`, `tanh`, `sigmoid`, `relu`, `sqrt`, `softplus`, `clamp`,
  `maximum`, `minimum`, ...: engine.FUNCTIONS) (engine.py): the node, its
  operations, `backward()`. Their rules: rule.py; IEEE floats: floats.py.
* `primitive` (custom.py): making your own operation.
* `detect_anomaly` (anomaly.py): find the operation that made a nan or an inf.
* `gradcheck` (gradcheck.py): reverse mode against central differences.
* `grad`, `value_and_grad`, `hessian`, `jvp`, `jacobian` (functional.py):
  higher-order derivatives and forward mode.
* `explain` (explain.py): a gradient as a sum over paths.
* `trace` (trace.py): a graph recorded once as a flat program, printed as
  forward and backward code and replayed fast (the replay: replay.py; what
  keeps it honest, the guards: guards.py).
* `draw_dot` (draw.py): a graph as a Graphviz drawing.
* `backward_steps`, `forward_steps` (steps.py): backprop and the forward
  pass one node at a time, as records that can be drawn.
* `save_steps_html`, `stepper` (stepper.py): those steps behind a slider, in
  one self-contained HTML file or a Jupyter widget; the page's script and
  style are autograd/web/stepper.js and stepper.css.

* `autograd.exercises.check(YourValue)` (exercises.py, imported on
  demand): grade a learner's own micrograd-style class, naming the classic
  mistakes.

None of these imports graphviz, IPython or numpy until a drawing is made.
"""

from .anomaly import detect_anomaly
from . import engine
from .custom import primitive
from .engine import *  # noqa: F401,F403 (engine.__all__: Value, no_grad, is_grad_enabled, the functions)
from .explain import explain
from .functional import grad, hessian, jacobian, jvp, value_and_grad
from .gradcheck import gradcheck
from .draw import draw_dot
from .steps import backward_steps, forward_steps
from .stepper import save_steps_html, stepper
from .trace import trace

__all__ = [*engine.__all__, 'primitive', 'detect_anomaly',
           'gradcheck', 'grad', 'value_and_grad', 'hessian', 'jvp', 'jacobian', 'explain',
           'draw_dot', 'backward_steps', 'forward_steps', 'save_steps_html', 'stepper', 'trace']
