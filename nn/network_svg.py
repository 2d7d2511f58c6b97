"""A model's network for one data point as an SVG drawing (for print and slides).

    >>> from nn import MLP, losses
    >>> svg = network_svg(MLP(2, [16, 16, 1], seed=0), [0.5, -1.0], losses.hinge, 1)
    >>> svg.startswith('<svg')
    True

Neurons in index order, top to bottom, each with its activation and, beside
it, delta = d loss / d z; every weight a thin line, its width by |weight| and
its colour by sign (the palette's value colours); a title naming the point,
its class and the loss. The numbers come from `network_view`, which reads
them off the graph of the point's loss. Pure string building: no Graphviz.
Sized for A4 landscape (297 x 210 mm): a 2-16-16-1 network stays readable.
"""

from xml.sax.saxutils import escape

from .network import network_view

WIDTH, HEIGHT = 1122, 794  # A4 landscape at 96 px per inch
MARGIN_TOP, MARGIN_BOTTOM = 78, 46
# A white outline under a label keeps it readable where the weight lines cross it.
HALO = 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def network_svg(model, x, loss_fn, target, *, loss_name=None, point=None, title=None):
    """The SVG text of `model`'s network on point `x` (see the module docstring).

    `loss_fn` and `target` as for `network_view`; `loss_name` names the loss
    in the title (default: the function's name); `point` its index, if any.
    """
    from autograd.draw import PALETTE

    view = network_view(model, x, loss_fn, target, point=point)
    network, info = view['network'], view['network_point']
    sizes = [len(x)] + [len(layer) for layer in network]
    tallest = max(sizes)
    pitch = (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / tallest
    radius = max(4.0, min(13.0, pitch * 0.32))
    left, right = 90, WIDTH - 150
    step = (right - left) / max(1, len(sizes) - 1)

    def position(column, index):
        top = MARGIN_TOP + (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM - sizes[column] * pitch) / 2
        return left + column * step, top + (index + 0.5) * pitch

    loss_name = loss_name or getattr(loss_fn, '__name__', 'loss')
    where = ', '.join(f'{v:.3g}' for v in info['x'])
    named = f'point {point} ' if point is not None else 'point '
    heading = title or (f'{_describe(model)} on {named}({where}), target {target}: '
                        f'{loss_name} loss {_number(info["loss"])}')
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">',
             f'<title>{escape(heading)}</title>',
             '<rect width="100%" height="100%" fill="#ffffff"/>',
             f'<text x="{WIDTH / 2:.0f}" y="30" font-size="20" text-anchor="middle" '
             f'font-weight="bold">{escape(heading)}</text>',
             f'<text x="{WIDTH / 2:.0f}" y="54" font-size="14" text-anchor="middle" fill="#444">'
             f'lines: weights, width by |w|, {_colour_word(PALETTE["value_positive"])} positive, '
             f'{_colour_word(PALETTE["value_negative"])} negative; in each neuron its activation a; '
             f'beside it delta = d loss / d z</text>']
    top = max((abs(w['value']) for layer in network for n in layer for w in n['weights']
               if w['value'] is not None), default=0.0)
    parts.append('<g stroke-linecap="round" opacity="0.85">')
    for l, layer in enumerate(network):
        for j, neuron in enumerate(layer):
            x2, y2 = position(l + 1, j)
            for k, weight in enumerate(neuron['weights']):
                x1, y1 = position(l, k)
                value = weight['value'] or 0.0
                width = 0.2 + 2.8 * abs(value) / top if top else 0.2
                colour = PALETTE['value_positive'] if value >= 0 else PALETTE['value_negative']
                parts.append(f'<line x1="{x1 + radius:.1f}" y1="{y1:.1f}" x2="{x2 - radius:.1f}" '
                             f'y2="{y2:.1f}" stroke="{colour}" stroke-width="{width:.2f}">'
                             f'<title>layers.{l}.neurons.{j}.w.{k} = {_number(value)}</title></line>')
    parts.append('</g>')
    font = max(9, min(13, pitch * 0.4))
    for k, value in enumerate(info['x']):
        cx, cy = position(0, k)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#eeeeee" stroke="#444"/>'
                     f'<text x="{cx - radius - 4:.1f}" y="{cy + font / 3:.1f}" font-size="{font:.0f}" '
                     f'text-anchor="end">x{k + 1} = {value:.3g}</text>')
    for l, layer in enumerate(network):
        cx, _ = position(l + 1, 0)
        parts.append(f'<text x="{cx:.1f}" y="{MARGIN_TOP - 6}" font-size="14" text-anchor="middle" '
                     f'font-weight="bold">layer {l} ({layer[0]["function"]})</text>')
        for j, neuron in enumerate(layer):
            cx, cy = position(l + 1, j)
            parts.append(f'<g><title>{neuron["name"]}: a = {_number(neuron["activation"])}, '
                         f'z = {_number(neuron["pre_activation"])}, delta = {_number(neuron["delta"])}</title>'
                         f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#ffffff" stroke="#333"/>'
                         f'<text x="{cx - radius - 3:.1f}" y="{cy + font / 3:.1f}" font-size="{font * 0.85:.0f}" '
                         f'text-anchor="end" fill="#555" {HALO}>N{j}</text>'
                         f'<text x="{cx:.1f}" y="{cy + font / 3:.1f}" font-size="{font * 0.8:.0f}" '
                         f'text-anchor="middle">{_short(neuron["activation"])}</text>'
                         f'<text x="{cx + radius + 3:.1f}" y="{cy + font / 3:.1f}" font-size="{font * 0.85:.0f}" '
                         f'fill="#222" {HALO}>{_delta(neuron["delta"])}</text></g>')
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT - 16}" font-size="13" text-anchor="middle" '
                 f'fill="#555">neurons in index order, top to bottom; every number read from the graph '
                 f'of this point\'s loss after backward()</text>')
    parts.append('</svg>\n')
    return '\n'.join(parts)


def _describe(model):
    return f'MLP({model.nin}, {list(model.nouts)})'


def _number(x):
    return 'n/a' if x is None else f'{x:.4g}'


def _short(x):
    return 'n/a' if x is None else f'{x:.2f}' if abs(x) < 100 else f'{x:.0f}'


def _delta(x):
    return 'δ n/a' if x is None else f'δ {x:.2g}'


def _colour_word(hex_colour):
    """A name for the palette's value colours, for the legend."""
    return {'#5e3c99': 'purple', '#01665e': 'teal'}.get(hex_colour.lower(), hex_colour)
