"""Plots: a model's decision boundary over 2-D data, and training curves.

matplotlib is imported inside the functions, so `import nn` stays fast.
Each function returns a matplotlib `Figure`: the last line of a notebook
cell shows it inline, and `fig.savefig('name.png')` writes it. Figures are
closed in pyplot before they are returned, so a loop that makes many of
them does not keep them all in memory (and a notebook shows each once).
"""

import os
import sys

from autograd._validate import check_int
from autograd.engine import no_grad

from .train import predict, predicted_class


def plot_decision_boundary(model, X, y, resolution=60, margin=0.5, title=None):
    """The plane coloured by the class `model` predicts, with the points of X on top.

    The model is evaluated under `no_grad` on a resolution x resolution grid
    covering the data plus `margin` on every side. For a model with one
    output the line where the score is 0 is drawn too.
    """
    if not X or any(len(point) != 2 for point in X):
        raise ValueError('plot_decision_boundary needs a non-empty list of 2-D points')
    if len(X) != len(y):
        raise ValueError(f'X has {len(X)} points but y has {len(y)} labels')
    check_int('plot_decision_boundary', 'resolution', resolution, minimum=2)
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    xs = [point[0] for point in X]
    ys = [point[1] for point in X]
    x_low, x_high = min(xs) - margin, max(xs) + margin
    y_low, y_high = min(ys) - margin, max(ys) + margin
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]

    shown_classes = set(y)
    scores = None
    with no_grad():
        outputs = [[model([gx, gy]) for gx in grid_x] for gy in grid_y]
    predicted = [[predicted_class(output) for output in row] for row in outputs]
    if outputs and not isinstance(outputs[0][0], list):
        scores = [[output.data for output in row] for row in outputs]
    shown_classes |= {k for row in predicted for k in row}
    del outputs

    palette = class_colors()
    count = max(shown_classes) + 1
    colors = ListedColormap([palette[k % len(palette)] for k in range(count)])

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.contourf(grid_x, grid_y, predicted, levels=[k - 0.5 for k in range(count + 1)],
                cmap=colors, alpha=0.3)
    if scores is not None:
        ax.contour(grid_x, grid_y, scores, levels=[0.0], colors='k', linewidths=1)
    ax.scatter(xs, ys, c=list(y), cmap=colors, vmin=-0.5, vmax=count - 0.5, s=22,
               edgecolors='k', linewidths=0.5)
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_aspect('equal')
    ax.set_xlabel('$x_1$')
    ax.set_ylabel('$x_2$')
    if title is None:
        right = sum(p == label for p, label in zip(predict(model, X), y))
        title = f'decision boundary: {right}/{len(y)} points classified correctly'
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_history(history, title='training'):
    """Loss (left) and accuracy (right) against the step, from `fit`'s history
    (or any mapping with 'loss' and 'accuracy' lists). A history with
    held-out data ('val_loss', 'val_accuracy') gets those curves too, dashed
    in the colour of their training curve."""
    try:
        loss, accuracy = list(history['loss']), list(history['accuracy'])
    except (KeyError, TypeError):
        raise TypeError("plot_history needs fit's History (or a dict with 'loss' and 'accuracy')") from None
    if not loss:
        raise ValueError('plot_history: the history has no steps')
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    steps = range(1, len(loss) + 1)
    held_out = _held_out_curves(history, len(loss))
    left.plot(steps, loss, color='#4c72b0', label='training')
    if held_out:
        left.plot(steps, held_out[0], color='#4c72b0', linestyle='--', label='held-out')
        left.legend()
        loss = loss + held_out[0]  # the scale below fits both curves
    left.set_xlabel('step')
    left.set_ylabel('loss')
    if min(loss) > 0 and max(loss) / min(loss) > 50:
        left.set_yscale('log')  # a loss falling over decades reads better on a log scale
    left.grid(alpha=0.3)
    right.plot(steps, [100 * a for a in accuracy], color='#55a868', label='training')
    if held_out:
        right.plot(steps, [100 * a for a in held_out[1]], color='#55a868', linestyle='--', label='held-out')
        right.legend()
    right.set_xlabel('step')
    right.set_ylabel('accuracy (%)')
    right.set_ylim(0, 101)
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _held_out_curves(history, steps):
    """(val_loss, val_accuracy) of a history that has them for every step, else None."""
    try:
        val_loss, val_accuracy = list(history['val_loss']), list(history['val_accuracy'])
    except (KeyError, TypeError):
        return None
    if not val_loss:
        return None
    if len(val_loss) != steps or len(val_accuracy) != steps:
        raise ValueError(f'plot_history: {steps} steps of loss but {len(val_loss)} of val_loss '
                         f'and {len(val_accuracy)} of val_accuracy')
    return val_loss, val_accuracy


def class_colors():
    """The class colours of the project's one palette (autograd/web/palette.json):
    class k is drawn in class_colors()[k % len], as on the playground's boundary."""
    from autograd.draw import PALETTE

    return list(PALETTE['class_colors'])


def _pyplot():
    """pyplot, on the Agg backend when there is no display to show windows on."""
    import matplotlib
    if ('matplotlib.pyplot' not in sys.modules and not os.environ.get('MPLBACKEND')
            and sys.platform.startswith('linux')
            and not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))):
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt
