"""Steppers: the frames of `autograd.steps` behind play, prev / next and a slider.

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

from ._files import write_atomically
from .draw import FRAME_STATES, FrameLayout, draw_frame, render
from .steps import frame_states


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
    page grades in the browser, so this mode is always the inline HTML."""
    try:
        from IPython.display import HTML, display
    except ImportError:
        raise ImportError('stepper() shows a widget in Jupyter and needs IPython; outside '
                          'Jupyter use autograd.save_steps_html(root, "steps.html")') from None
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


def _page(root, direction, options, timeout=None, predict=False):
    """(svg, data): the graph laid out once and the page data (module docstring)."""
    if predict and direction != 'backward':
        raise ValueError('predict mode asks about the backward pass: use direction="backward"')
    options = dict(options)
    if direction == 'forward':
        options.setdefault('show_grad', False)
    names, records = frame_states(root, direction)
    layout = FrameLayout(root, [(states, grads) for _, states, grads in records], names=names,
                         **options)
    svg = _inline_svg(render(layout.digraph(), 'svg', timeout=timeout).decode('utf-8'))
    data = _page_data(layout, records, start=direction == 'backward')
    if predict:
        from .predict import drill_data

        data['predict'] = drill_data(root)
    return svg, data


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
        f'<style>\n{_palette_css()}\n{_web_file("stepper.css")}</style>',
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
        f'<script>\n{_web_file("predict.js")}</script>' if predict else '',
        f'<script>\n{_web_file("stepper.js")}</script>',
    ])


# Predict mode's questions, answer box and score (autograd/web/predict.js runs them).
_PREDICT_PANEL = (
    '<div class="bl-predict"><p class="question"></p>'
    '<input class="answer" type="text" size="32" aria-label="your answer" autocomplete="off" '
    'placeholder="a number, or an expression such as 1 - t**2">'
    '<button class="check">check</button><button class="reveal">show the answer</button>'
    '<p class="verdict"></p><p class="hint"></p><p class="score"></p></div>')


def _web_file(name):
    """The text of autograd/web/<name> (package data, installed with the package)."""
    from importlib import resources  # about 10 ms: only when a page is made

    return resources.files(__package__).joinpath('web', name).read_text(encoding='utf-8')


def _palette_css():
    """palette.json as CSS custom properties on the stepper: "text_background"
    becomes --bl-text-background, a list "cluster_fills" --bl-cluster-fills-1, -2, ..."""
    declarations = []
    for key, value in json.loads(_web_file('palette.json')).items():
        if key.startswith('_'):
            continue
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
