"""Modules: a neuron, a layer of neurons, a multi-layer perceptron.

Every weight is an `autograd.Value`, so calling a model builds a computation
graph, and training is `backward()` on a loss followed by an update of the
parameters. A module is a plain list of parts with `__call__`,
`parameters()`, `zero_grad()` and a `repr`; code written for micrograd's
`nn` runs unchanged.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> score = model([0.5, -1.0])          # one Value: the last layer has one output
    >>> score.backward()                    # d(score)/d(every weight) in p.grad

Parameters are labelled with their dotted names when a model is built
(`layers.0.neurons.3.w.1` is weight 1 of neuron 3 of layer 0), so drawings
of the graph say which weight is which.
"""

import math
import random

from autograd._validate import check_choice, check_int, check_list
from autograd.engine import Value, relu, sigmoid, tanh
from autograd.graph import ancestors

# The activations a neuron can apply to its weighted sum; None is the identity.
ACTIVATIONS = {'relu': relu, 'tanh': tanh, 'sigmoid': sigmoid, 'linear': None}

# Initial weights: micrograd's uniform(-1, 1), or uniform(-a, a) with a = sqrt(3 / nin),
# whose variance 1/nin keeps the weighted sum of order one however many inputs there are.
INITS = ('uniform', 'scaled')


class Module:
    """The base of every model: parameters, their names, and zeroing gradients.

    A subclass lists its parameters through `named_parameters()`, the one
    source of their order; `parameters()` follows it. (Overriding
    `parameters()` alone, as in micrograd, also works, but then the
    parameters have no names: no labels in drawings, no model files.)
    """

    def named_parameters(self):
        """(dotted name, Value) for every parameter, in a fixed order."""
        return iter(())

    def parameters(self):
        """Every parameter Value, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self):
        """How many scalar parameters the model has."""
        return len(self.parameters())

    def zero_grad(self):
        """Set every parameter's `.grad` to 0 (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def forward_with_groups(self, x):
        """Run the forward pass on `x` and say which neuron made each node.

        Returns `(output, groups)`: `output` is exactly `self(x)`, and `groups`
        maps every Value made inside a neuron's forward pass, and that
        neuron's parameters, to the tuple of cluster names from outermost to
        innermost, e.g. `('layers.0', 'layers.0.neurons.3')`. Inputs and
        nodes made outside the neurons are not in it. Drawings use it to box
        each neuron (`autograd.draw_dot(output, groups=groups)`).
        """
        groups = {}
        output = self._forward_with_groups(x, groups, clusters=(), prefix='')
        return output, groups

    def _forward_with_groups(self, x, groups, clusters, prefix):
        raise NotImplementedError(f'{type(self).__name__} does not support forward_with_groups()')

    def _label_parameters(self):
        for name, p in self.named_parameters():
            p.label = name


class Neuron(Module):
    """activation(b + w[0]*x[0] + ... + w[nin-1]*x[nin-1])

    `activation` is 'relu' (the default, as micrograd), 'tanh', 'sigmoid' or
    'linear'; micrograd's `nonlin=False` means 'linear'. Weights start
    uniform in [-1, 1] (`init='uniform'`) or in [-a, a] with a = sqrt(3/nin)
    (`init='scaled'`); the bias starts at 0. `seed` is an int (reproducible),
    None (fresh randomness) or a `random.Random` to draw from; the global
    `random` module is never touched.
    """

    def __init__(self, nin, activation='relu', *, nonlin=None, init='uniform', seed=None):
        check_int('Neuron', 'nin', nin, minimum=1)
        if nonlin is not None:
            activation = 'relu' if nonlin else 'linear'
        check_choice('Neuron', 'activation', activation, ACTIVATIONS)
        check_choice('Neuron', 'init', init, INITS)
        rng = _rng('Neuron', seed)
        bound = 1.0 if init == 'uniform' else math.sqrt(3.0 / nin)
        self.nin = nin
        self.activation = activation
        self.init = init
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activate = ACTIVATIONS[activation]
        self._label_parameters()

    @property
    def nonlin(self):
        """micrograd's flag: True unless the activation is 'linear'."""
        return self.activation != 'linear'

    def __call__(self, x):
        if len(x) != self.nin:
            raise ValueError(f'expected {self.nin} inputs, got {len(x)}')
        # Numbers in `x` stay numbers: `wi * xi` makes one node, not a leaf for xi too.
        try:
            weighted_sum = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        except TypeError:
            weighted_sum = None
        if not isinstance(weighted_sum, Value):  # something in x was not a number or a Value
            raise TypeError(_bad_input_message(x))
        return weighted_sum if self._activate is None else self._activate(weighted_sum)

    def named_parameters(self):
        for i, wi in enumerate(self.w):
            yield f'w.{i}', wi
        yield 'b', self.b

    def _forward_with_groups(self, x, groups, clusters, prefix):
        output = self(x)
        clusters = clusters or ('neuron',)
        # The nodes this neuron made: all that `output` depends on, short of its inputs.
        for node in ancestors(output, stop=[xi for xi in x if isinstance(xi, Value)]):
            groups[node] = clusters
        for p in self.parameters():
            groups[p] = clusters
        return output

    def __repr__(self):
        return f'Neuron({self.nin}, {self.activation!r})'


class Layer(Module):
    """`nout` neurons, each seeing all `nin` inputs.

    Returns a list of `nout` Values, or a single Value when `nout == 1` (as
    micrograd). Keyword arguments (activation, init, nonlin) go to every
    neuron; `seed` seeds one stream drawn from by the neurons in order.
    """

    def __init__(self, nin, nout, activation='relu', *, seed=None, **neuron_options):
        check_int('Layer', 'nin', nin, minimum=1)
        check_int('Layer', 'nout', nout, minimum=1)
        rng = _rng('Layer', seed)
        self.nin, self.nout = nin, nout
        self.neurons = [Neuron(nin, activation, seed=rng, **neuron_options) for _ in range(nout)]
        self.activation = self.neurons[0].activation
        self._label_parameters()

    def __call__(self, x):
        outputs = self._forward(x)
        return outputs[0] if len(outputs) == 1 else outputs

    def _forward(self, x):
        """Always a list, so that an MLP can chain a 1-output hidden layer."""
        return [neuron(x) for neuron in self.neurons]

    def named_parameters(self):
        for i, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f'neurons.{i}.{name}', p

    def _forward_with_groups(self, x, groups, clusters, prefix):
        outputs = [neuron._forward_with_groups(x, groups, clusters + (f'{prefix}neurons.{i}',), '')
                for i, neuron in enumerate(self.neurons)]
        return outputs

    def __repr__(self):
        return f'Layer({self.nin} -> {self.nout}, {self.activation!r})'


class MLP(Module):
    """A multi-layer perceptron: `MLP(2, [16, 16, 1])` maps 2 inputs through
    two hidden layers of 16 to 1 output.

    Hidden layers use `activation` ('relu' by default, as micrograd); the last
    layer uses `output_activation` ('linear' by default, so it outputs raw
    scores/logits). `init` and `seed` as for `Neuron`; one seeded stream
    initialises the whole network, so `MLP(2, [16, 16, 1], seed=0)` is the
    same network every time.
    """

    def __init__(self, nin, nouts, activation='relu', *, output_activation='linear',
                 init='uniform', seed=None):
        check_int('MLP', 'nin', nin, minimum=1)
        nouts = check_list('MLP', 'nouts', nouts, of='of layer sizes')
        for size in nouts:
            check_int('MLP', 'layer size', size, minimum=1)
        if not nouts:
            raise ValueError('MLP: nouts must list at least one layer size')
        check_choice('MLP', 'activation', activation, ACTIVATIONS)
        check_choice('MLP', 'output_activation', output_activation, ACTIVATIONS)
        rng = _rng('MLP', seed)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.nin, self.nouts = nin, nouts
        self.activation, self.output_activation, self.init = activation, output_activation, init
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation,
                  init=init, seed=rng)
            for i in range(len(nouts))
        ]
        self._label_parameters()

    def __call__(self, x):
        return self.forward_with_hidden(x)[0]

    def forward_with_hidden(self, x):
        """(output, hidden): the output as `self(x)` gives it, and the hidden
        layers' outputs on the way, one list of Values per hidden layer
        (the playground's panels show their statistics)."""
        hidden = []
        for layer in self.layers:
            x = layer._forward(x)
            hidden.append(x)
        hidden.pop()  # the output layer's
        return (x[0] if len(x) == 1 else x), hidden

    def named_parameters(self):
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f'layers.{i}.{name}', p

    def _forward_with_groups(self, x, groups, clusters, prefix):
        for i, layer in enumerate(self.layers):
            x = layer._forward_with_groups(x, groups, clusters + (f'layers.{i}',), f'layers.{i}.')
        return x[0] if len(x) == 1 else x

    def __repr__(self):
        lines = [f'MLP({self.nin}, {self.nouts}, activation={self.activation!r}, '
                 f'output_activation={self.output_activation!r})  # {self.num_parameters()} parameters']
        lines += [f'  (layers.{i}): {layer!r}' for i, layer in enumerate(self.layers)]
        return '\n'.join(lines)


# --------------------------------------------------------------------------
# Helpers


def _rng(function, seed):
    """A private random stream: a given `random.Random` is shared, an int or
    None seeds a new one."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None:
        check_int(function, 'seed', seed)
    return random.Random(seed)


def _bad_input_message(x):
    kinds = sorted({type(xi).__name__ for xi in x if not isinstance(xi, (Value, int, float))}
                   or {type(x).__name__})
    return f'inputs must be numbers or Values, got {", ".join(kinds)} in {x!r}'[:300]

