"""Neural networks made of `autograd.Value`s.

    import nn
    X, y = nn.datasets.moons(n=100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    history = nn.fit(model, X, y, loss='hinge', steps=100)   # Adam, with a progress bar
    nn.plot_decision_boundary(model, X, y)                    # a Figure: shows in a notebook
    nn.save(model, 'model.json'); model = nn.load('model.json')

Modules (module.py), losses, optimizers, datasets, training (train.py;
held-out data: validation.py, `nn.hold_out` and `fit(..., validation=...)`),
plots (plot.py: matplotlib is imported only when you plot) and model files
(model_file.py). `python -m nn train` runs all of it from the command line;
`nn.Playground()` (the playground package) trains live in a notebook widget or, with
`python -m nn playground`, in a browser page.

`nn.GPT` (gpt.py) is microgpt's transformer made of Values, trained on
`nn.datasets.names()` by `nn.gpt.train` or `python -m nn gpt`.
"""

from . import datasets, losses, optim
from .gpt import GPT
from .model_file import ModelFileError, load, save
from .module import MLP, Layer, Module, Neuron
from .playground import Playground
from .plot import plot_decision_boundary, plot_history
from .train import History, accuracy, fit, predict
from .validation import hold_out


__all__ = ['Module', 'Neuron', 'Layer', 'MLP', 'GPT', 'fit', 'predict', 'accuracy', 'History',
           'hold_out', 'save', 'load', 'ModelFileError', 'plot_decision_boundary', 'plot_history',
           'datasets', 'losses', 'optim', 'Playground']
