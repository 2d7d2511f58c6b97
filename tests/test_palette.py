"""One palette, one meaning per colour: class colours are never the
gradient-sign colours, and matplotlib plots use the same class colours."""

import json
from pathlib import Path

import autograd

PALETTE = json.loads((Path(autograd.__file__).parent / 'web' / 'palette.json').read_text(encoding='utf-8'))


def test_class_colours_differ_from_the_gradient_and_value_colours():
    classes = [c.lower() for c in PALETTE['class_colors']]
    signs = {PALETTE[name].lower() for name in ('positive', 'negative', 'value_positive', 'value_negative')}
    assert len(classes) >= 3 and len(set(classes)) == len(classes)
    assert not set(classes) & signs and len(signs) == 4


def test_the_decision_boundary_plot_colours_classes_from_the_palette():
    from matplotlib.colors import to_hex

    from nn import MLP, plot_decision_boundary

    X, y = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], [0, 1, 0]
    figure = plot_decision_boundary(MLP(2, [3, 1], seed=0), X, y, resolution=5)
    from matplotlib.collections import PathCollection

    points, = [c for c in figure.axes[0].collections if type(c) is PathCollection]  # the scatter
    shown = [to_hex(colour) for colour in points.to_rgba(points.get_array())]  # labels -> colours
    assert shown == [PALETTE['class_colors'][label] for label in y]
