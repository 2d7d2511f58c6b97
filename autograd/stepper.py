"""Steppers: the frames of backprop (`autograd.steps`) behind play, prev / next and a slider.

A frame is what a stepper shows at one step: `frame_states` gives them as
data (the state of each value, the grads shown), `draw_frame` draws one,
and `FrameLayout` lays the graph out once for all of them.

`save_steps_html(root, path)` writes one self-contained HTML file: the graph
laid out once (one SVG), and the frames as compact JSON that the page's
script (autograd/web/stepper.js) paints onto it: per frame, the values whose
look or numbers change, and the step's text. The page grows linearly with the
graph. The script and style are inlined from autograd/web/stepper.js and
stepper.css, the palette's colours become CSS custom properties; the page
fetches nothing, so it opens offline. `stepper(root)` shows the frames in
Jupyter, as an ipywidgets widget when ipywidgets is installed (each frame
drawn when it is shown), else as that HTML inline.

The page data (`_page_data`), read by stepper.js:

    {"steps": N, "start": true,      # N steps; frame 0 is the start when "start"
     "looks": FRAME_STATES,          # Graphviz attributes per frame state (draw.py)
     "ids": [[[value ids], op id or null], ...],   # per value, topological order
     "frames": [[text, changes, edges], ...],
     "predict": ...}                 # predict mode only: autograd/predict.py's drill_data

where `changes` lists `[value, state, data text, grad text]` for the values
that look different from the frame before (frame 0: from the plain drawing),
and `edges` lists the `[parent, value]` edges into the current operation that
the parent's state colours.

graphviz, IPython and ipywidgets are imported only when a stepper is made.
"""

import json
import sys

from ._files import write_atomically
from .draw import FRAME_STATES, Scene, number_text, render
from .graph import topo_order, value_names
from .engine import Value
from .steps import _BackwardWalk, forward_steps
from .web_files import palette, web_text


def save_steps_html(root, path, direction='backward', interval=1000, timeout=None, predict=False, **options):
    """Write one self-contained HTML file that steps through backprop (or, with
    direction='forward', the forward pass): the graph, previous / next buttons,
    play, a slider and each step's text. It uses no network, so it opens in any
    browser, offline. The file is written atomically. `options` go to the
    drawing (rankdir, max_nodes, groups, ...); `timeout` (seconds) bounds
    Graphviz's layout (draw.render). Backprop is shown from zero grads and the
    graph's grads are left as they were. With predict=True each backward step
    first asks for its local derivatives and grads and grades the answers
    (autograd/predict.py). Returns the path."""
    svg, data = _page(root, direction, options, timeout, predict)
    title = 'backprop, step by step' if direction == 'backward' else 'the forward pass, step by step'
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{title}</title>\n</head>\n<body>\n<h3 class="bl-title">{title}</h3>\n'
            f'{_stepper_fragment(svg, data, interval)}\n</body>\n</html>\n')
    write_atomically(path, page.encode('utf-8'))
    return path


def stepper(root, direction='backward', interval=1000, predict=False, **options):
    """Show a stepper in Jupyter: play, previous / next and a slider over the
    frames of `backward_steps(root)` (or of the forward pass). Uses ipywidgets
    when installed, else the same HTML stepper as `save_steps_html`, inline.
    predict=True: each backward step asks first (see `save_steps_html`); the
    page grades in the browser, so this mode is always the inline HTML.
    Outside Jupyter it shows nothing and returns an object whose repr says to
    use `save_steps_html`."""
    _check_frames_arguments(root, direction)
    if not _in_notebook():
        return OutsideNotebook()
    from IPython.display import HTML, display

    try:
        if predict:
            raise ImportError  # the questions are graded by the page's script
        import ipywidgets
    except ImportError:
        display(HTML(_stepper_fragment(*_page(root, direction, options, predict=predict), interval)))
        return None
    names, records = frame_states(root, direction)
    if direction == 'forward':
        options.setdefault('show_grad', False)

    def render_frame(k):
        _, states, grads = records[k]
        drawing = draw_frame(root, states, grads=grads, names=names, **options)
        return _inline_svg(render(drawing, 'svg').decode('utf-8'))

    texts = [text for text, _, _ in records]
    display(_stepper_widget(ipywidgets, texts, render_frame, interval, start=direction == 'backward'))
    return None


# --------------------------------------------------------------------------
# Frames: what a stepper shows, as data and as drawings


def frame_states(root, direction='backward'):
    """What each frame of a stepper shows, as data: `(names, frames)` with
    `names` the names of the texts (and of unlabelled values in the drawings),
    and one `(text, states, grads)` per frame: the frame states of
    draw.FRAME_STATES per Value and, backward, the grad shown per Value (None
    shows '?'; forward frames show no grads: grads is None). The steps page
    lays the graph out once and paints them; the widget draws each with `draw_frame`.
    """
    _check_frames_arguments(root, direction)
    if direction == 'forward':
        order = topo_order(root)
        records = []
        for step in forward_steps(root):
            states = {node: 'not_computed' for node in order[step.index + 1:]}
            states[step.node] = 'current'
            records.append((step.text, states, None))
        return value_names(order), records
    walk, steps = _walked(root)
    records = []
    for index, text in [(-1, walk.start_text())] + [(step.index, step.text) for step in steps]:
        grads, states = walk.state_after(index)
        records.append((text, states, grads))
    return walk.names, records


def _check_frames_arguments(root, direction):
    if direction not in ('backward', 'forward'):
        raise ValueError(f"direction must be 'backward' or 'forward', got {direction!r}")
    if not isinstance(root, Value):
        raise TypeError(f'a stepper needs a Value as root, got {type(root).__name__}')


def _walked(root):
    """A finished _BackwardWalk from zero grads and its steps; the graph's grads
    are put back as they were."""
    walk = _BackwardWalk(root)
    saved = {node: node.grad for node in walk.order}
    try:
        for node in walk.order:
            node.grad = 0.0
        steps = list(walk.steps())
    finally:
        for node, grad in saved.items():
            node.grad = grad
    return walk, steps


def draw_frame(root, states, grads=None, names=None, **options):
    """A stepper frame: `draw_dot(root, **options)`
    with each Value of `states` drawn as its `FRAME_STATES` entry says, the grads
    of `grads` (a dict; None shows '?') instead of `.grad` when given, and
    `names` shown for unlabelled values."""
    return Scene(root, states=states, grads=grads, names=names, **options).digraph()


class FrameLayout:
    """One layout for all the frames of a stepper (the steps page paints it).

    `frames` is a list of `(states, grads)` as `draw_frame` takes them. The
    drawing (`digraph()`) is laid out once, with the plain look and, per value,
    the widest grad text any frame shows, so every frame's numbers fit. Then
    `paint(states, grads)` says what one frame changes: per value (in
    topological order) its frame state, data text and grad text, and which
    edges `FRAME_STATES` colours. `ids` gives, per value, the drawn ids of the
    value (several when it is drawn next to each use) and of its operation.
    """

    def __init__(self, root, frames, names=None, **options):
        self.scene = Scene(root, names=names, **options)
        self.order = self.scene.order
        members = {}
        for node in self.order:
            if node in self.scene.boxes:
                members.setdefault(self.scene.boxes[node], []).append(node)
        # A box (collapse=True) shows its group's output: only that member paints it.
        box_outputs = {Scene.group_output(group): box for box, group in members.items()}
        self.ids = []
        for node in self.order:
            if node in self.scene.boxes:
                self.ids.append(([box_outputs[node]] if node in box_outputs else [], None))
            else:
                self.ids.append((self.scene.value_ids(node), self.scene.op_id(node) if node.parents else None))
        widest = {}
        for _, grads in frames:
            for node, grad in (grads or {}).items():
                if grad is not None:
                    text = number_text(grad)
                    if len(text) > len(widest.get(node, ('', None))[0]):
                        widest[node] = (text, grad)
        if any(grads is not None for _, grads in frames):
            self.scene.grads = {node: grad for node, (_, grad) in widest.items()}

    def digraph(self):
        return self.scene.digraph()

    def paint(self, states, grads):
        """[(state, data text, grad text)] per value, and the (parent position,
        node position) of every edge into the 'current' operation that its
        parent's state colours (FRAME_STATES[...]['edge_to_current'])."""
        scene = self.scene
        saved = scene.states, scene.grads
        scene.states, scene.grads = states, grads if grads is not None else saved[1]
        try:
            looks = [(states.get(node), *scene.value_texts(node)) for node in self.order]
        finally:
            scene.states, scene.grads = saved
        edges = []
        for node, state in states.items():
            if state == 'current':
                for parent in node.parents:
                    if 'edge_to_current' in FRAME_STATES.get(states.get(parent), {}):
                        edges.append((scene.position[parent], scene.position[node]))
        return looks, edges


class OutsideNotebook:
    """What `stepper()` gives outside Jupyter: its repr says what to do instead."""

    def __repr__(self):
        return ("<a stepper shows in Jupyter; here, write it to a page with "
                "autograd.save_steps_html(root, 'steps.html') and open that in a browser>")


def _in_notebook():
    """Whether this runs in a Jupyter kernel (an IPython shell with a kernel)."""
    IPython = sys.modules.get('IPython')  # never imported here: a plain REPL has not loaded it
    shell = IPython.get_ipython() if IPython is not None else None
    return getattr(shell, 'kernel', None) is not None


def page_source(root, direction='backward', predict=False, **options):
    """(digraph, data): the graph laid out once, as a Graphviz digraph not yet
    rendered, and the page data (module docstring). The static site renders
    the digraph in the browser; `_page` renders it here."""
    if predict and direction != 'backward':
        raise ValueError('predict mode asks about the backward pass: use direction="backward"')
    if direction == 'forward':
        options.setdefault('show_grad', False)
    names, records = frame_states(root, direction)
    layout = FrameLayout(root, [(states, grads) for _, states, grads in records], names=names,
                         **options)
    data = _page_data(layout, records, start=direction == 'backward')
    if predict:
        from .predict import drill_data

        data['predict'] = drill_data(root)
    return layout.digraph(), data


def _page(root, direction, options, timeout=None, predict=False):
    """(svg, data): `page_source` with the graph rendered by Graphviz's dot."""
    digraph, data = page_source(root, direction, predict, **options)
    return _inline_svg(render(digraph, 'svg', timeout=timeout).decode('utf-8')), data


def _page_data(layout, records, start):
    shown = [(None, None, None)] * len(layout.order)  # frame 0 lists every value
    frames = []
    for text, states, grads in records:
        looks, edges = layout.paint(states, grads)
        changes = [[position, *look] for position, look in enumerate(looks) if look != shown[position]]
        shown = looks
        frames.append([text, changes, [list(edge) for edge in edges]])
    return {'steps': len(records) - 1 if start else len(records), 'start': start,
            'looks': FRAME_STATES, 'ids': [[values, op] for values, op in layout.ids],
            'frames': frames}


def _inline_svg(svg):
    """SVG text ready to sit inside HTML: no XML prolog, no DOCTYPE, no namespace URLs
    (HTML5 knows <svg> by itself, and a file that names no URL cannot fetch one)."""
    start = svg.find('<svg')
    svg = svg[start:] if start >= 0 else svg
    for attribute in (' xmlns="http://www.w3.org/2000/svg"', ' xmlns:xlink="http://www.w3.org/1999/xlink"'):
        svg = svg.replace(attribute, '')
    return svg


def _stepper_fragment(svg, data, interval=1000):
    """The stepper as an HTML fragment: its style, controls, the text, the graph,
    the frames' data and its script."""
    # Inside <script>, '</' could end the element early; JSON allows '<\/' for it.
    frames_json = json.dumps(data, separators=(',', ':'), ensure_ascii=False).replace('</', '<\\/')
    last = len(data['frames']) - 1
    predict = 'predict' in data
    return '\n'.join([
        f'<style>\n{palette_css()}\n{web_text("stepper.css")}</style>',
        f'<div class="bl-stepper" data-interval="{int(interval)}">',
        '<div class="controls"><button class="prev">&#9664; prev</button>'
        '<button class="play">play</button><button class="next">next &#9654;</button>'
        f'<input type="range" min="0" max="{last}" value="0" step="1" '
        'aria-label="frame"><span class="counter"></span></div>',
        '<pre class="text"></pre>',
        _PREDICT_PANEL if predict else '',
        f'<div class="graph">{svg}</div>',
        f'<script type="application/json" class="bl-frames">{frames_json}</script>',
        '</div>',
        f'<script>\n{web_text("predict.js")}</script>' if predict else '',
        f'<script>\n{web_text("stepper.js")}</script>',
    ])


# Predict mode's questions, answer box and score (autograd/web/predict.js runs them).
_PREDICT_PANEL = (
    '<div class="bl-predict"><p class="question"></p>'
    '<input class="answer" type="text" size="32" aria-label="your answer" autocomplete="off" '
    'placeholder="a number, or an expression such as 1 - t**2">'
    '<button class="check">check</button><button class="reveal">show the answer</button>'
    '<p class="verdict"></p><p class="hint"></p><p class="score"></p></div>')


def palette_css():
    """palette.json as CSS custom properties on the stepper: "text_background"
    becomes --bl-text-background, a list "cluster_fills" --bl-cluster-fills-1, -2, ..."""
    declarations = []
    for key, value in palette().items():
        name = '--bl-' + key.replace('_', '-')
        if isinstance(value, list):
            declarations += [f'  {name}-{k}: {each};' for k, each in enumerate(value, 1)]
        else:
            declarations.append(f'  {name}: {value};')
    return '.bl-stepper {\n' + '\n'.join(declarations) + '\n}'


def counter_text(frame, steps, start):
    """What the counter says at `frame` (from 0), in the words of the steps'
    texts: 'start' for a start frame, else 'step k of N' (stepper.js says the same)."""
    step = frame if start else frame + 1
    return 'start' if step == 0 else f'step {step} of {steps}'


def _stepper_widget(ipywidgets, texts, render_frame, interval=1000, start=True):
    """The ipywidgets stepper: Play and a slider (linked), prev / next, the frame.
    `render_frame(k)` gives frame k's SVG; a frame is drawn when it is shown."""
    import html

    last = len(texts) - 1
    steps = last if start else len(texts)
    play = ipywidgets.Play(value=0, min=0, max=last, step=1, interval=interval, description='play')
    slider = ipywidgets.IntSlider(value=0, min=0, max=last, step=1, description='frame',
                                  continuous_update=False, readout=False)
    ipywidgets.jslink((play, 'value'), (slider, 'value'))
    previous = ipywidgets.Button(description='prev', icon='step-backward')
    following = ipywidgets.Button(description='next', icon='step-forward')
    counter = ipywidgets.Label()
    view = ipywidgets.HTML()

    def show(change=None):
        k = slider.value
        counter.value = counter_text(k, steps, start)
        view.value = f'<pre>{html.escape(texts[k])}</pre>{render_frame(k)}'

    def move(by):
        slider.value = max(0, min(last, slider.value + by))

    slider.observe(show, names='value')
    previous.on_click(lambda button: move(-1))
    following.on_click(lambda button: move(1))
    show()
    return ipywidgets.VBox([ipywidgets.HBox([play, previous, following, slider, counter]), view])
