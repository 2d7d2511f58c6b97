"""The hidden layers' outputs of a training step, for the playground's layer panel.

The panel shows, per hidden layer, statistics of its outputs and of their
gradients over the step's points (view.layer_stats). An eager step keeps
those outputs as it goes (`KeepHidden`); a replayed step keeps no interior
node, so `hidden_layer_stats` runs the step's forward and backward again,
eagerly, when a state that shows them is asked for: once per state shown,
not once per step.
"""

from autograd.graph import cyclic_gc_paused

from .. import losses as _losses
from . import view


class KeepHidden:
    """The model as `train_step` calls it on each point, keeping every hidden
    layer's outputs (`rows[depth]`: one list of Values per point)."""

    def __init__(self, model):
        self.model = model
        self.rows = [[] for _ in model.layers[:-1]]

    def __call__(self, point):
        output, hidden = self.model.forward_with_hidden(point)
        for rows, outputs in zip(self.rows, hidden):
            rows.append(outputs)
        return output



def hidden_layer_stats(model, X, targets, loss_fn, activation, weights, l2):
    """view.layer_stats of every hidden layer for the step over all of `X` that
    started from the parameter values `weights` (with L2 strength `l2`): the
    forward and backward again, eagerly; the model's weights and their grads
    are put back afterwards."""
    parameters = model.parameters()
    saved = [(p.data, p.grad) for p in parameters]
    try:
        for p, weight in zip(parameters, weights):
            p.data, p.grad = weight, 0.0
        kept = KeepHidden(model)
        with cyclic_gc_paused():
            outputs = [kept(point) for point in X]
            loss = loss_fn(outputs, targets) + _losses.l2_penalty(parameters, l2)
            loss.backward()
            return [view.layer_stats(f'layers.{depth}', rows, activation)
                    for depth, rows in enumerate(kept.rows)]
    finally:
        for p, (data, grad) in zip(parameters, saved):
            p.data, p.grad = data, grad
