"""Steppers: the frames of `autograd.steps` behind play, prev / next and a slider.

`save_steps_html(root, path)` writes one self-contained HTML file (every
frame's SVG inline, the page's script and style inlined from
autograd/web/stepper.js and stepper.css, the palette's colours as CSS custom
properties); it fetches nothing, so it opens offline. `stepper(root)` shows
the same frames in Jupyter, as an ipywidgets widget when ipywidgets is
installed, else as that HTML inline.

graphviz, IPython and ipywidgets are imported only when a stepper is made.
"""

from ._files import write_atomically
from .steps import frames


def save_steps_html(root, path, direction='backward', interval=1000, **options):
    """Write one self-contained HTML file that steps through backprop (or, with
    direction='forward', the forward pass): every frame's SVG inline, previous /
    next buttons, play, a slider and each step's text. It uses no network, so it
    opens in any browser, offline. The file is written atomically. `options` go
    to the drawings (rankdir, max_nodes, groups, ...). Backprop is shown from
    zero grads and the graph's grads are left as they were. Returns the path."""
    rendered = _rendered_frames(root, direction, options)
    title = 'backprop, step by step' if direction == 'backward' else 'the forward pass, step by step'
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{title}</title>\n</head>\n<body>\n<h3 class="bl-title">{title}</h3>\n'
            f'{_stepper_fragment(rendered, interval)}\n</body>\n</html>\n')
    write_atomically(path, page.encode('utf-8'))
    return path


def stepper(root, direction='backward', interval=1000, **options):
    """Show a stepper in Jupyter: play, previous / next and a slider over the
    frames of `backward_steps(root)` (or of the forward pass). Uses ipywidgets
    when installed, else the same HTML stepper as `save_steps_html`, inline."""
    try:
        from IPython.display import HTML, display
    except ImportError:
        raise ImportError('stepper() shows a widget in Jupyter and needs IPython; outside '
                          'Jupyter use autograd.save_steps_html(root, "steps.html")') from None
    rendered = _rendered_frames(root, direction, options)
    try:
        import ipywidgets
    except ImportError:
        display(HTML(_stepper_fragment(rendered, interval)))
        return None
    display(_stepper_widget(ipywidgets, rendered, interval))
    return None


def _rendered_frames(root, direction, options):
    """(svg, text) per frame of `steps.frames(root, direction)`."""
    return [(_inline_svg(draw(**options).pipe(format='svg', encoding='utf-8')), text)
            for text, draw in frames(root, direction)]


def _inline_svg(svg):
    """SVG text ready to sit inside HTML: no XML prolog, no DOCTYPE, no namespace URLs
    (HTML5 knows <svg> by itself, and a file that names no URL cannot fetch one)."""
    start = svg.find('<svg')
    svg = svg[start:] if start >= 0 else svg
    for attribute in (' xmlns="http://www.w3.org/2000/svg"', ' xmlns:xlink="http://www.w3.org/1999/xlink"'):
        svg = svg.replace(attribute, '')
    return svg


def _stepper_fragment(rendered, interval=1000):
    """The stepper as an HTML fragment: its style, controls, one div per frame, its script."""
    import html

    parts = [f'<style>\n{_palette_css()}\n{_web_file("stepper.css")}</style>',
             f'<div class="bl-stepper" data-interval="{int(interval)}">',
             '<div class="controls"><button class="prev">&#9664; prev</button>'
             '<button class="play">play</button><button class="next">next &#9654;</button>'
             f'<input type="range" min="0" max="{len(rendered) - 1}" value="0" step="1" '
             'aria-label="frame"><span class="counter"></span></div>']
    for svg, text in rendered:
        parts.append(f'<div class="frame"><pre>{html.escape(text)}</pre>{svg}</div>')
    parts.append('</div>')
    parts.append(f'<script>\n{_web_file("stepper.js")}</script>')
    return '\n'.join(parts)


def _web_file(name):
    """The text of autograd/web/<name> (package data, installed with the package)."""
    from importlib import resources  # about 10 ms: only when a page is made

    return resources.files(__package__).joinpath('web', name).read_text(encoding='utf-8')


def _palette_css():
    """palette.json as CSS custom properties on the stepper: "text_background"
    becomes --bl-text-background, a list "cluster_fills" --bl-cluster-fills-1, -2, ..."""
    import json

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


def _stepper_widget(ipywidgets, rendered, interval=1000):
    """The ipywidgets stepper: Play and a slider (linked), prev / next, the frame."""
    import html

    last = len(rendered) - 1
    play = ipywidgets.Play(value=0, min=0, max=last, step=1, interval=interval, description='play')
    slider = ipywidgets.IntSlider(value=0, min=0, max=last, step=1, description='step',
                                  continuous_update=True)
    ipywidgets.jslink((play, 'value'), (slider, 'value'))
    previous = ipywidgets.Button(description='prev', icon='step-backward')
    following = ipywidgets.Button(description='next', icon='step-forward')
    view = ipywidgets.HTML()

    def show(change=None):
        svg, text = rendered[slider.value]
        view.value = f'<pre>{html.escape(text)}</pre>{svg}'

    def move(by):
        slider.value = max(0, min(last, slider.value + by))

    slider.observe(show, names='value')
    previous.on_click(lambda button: move(-1))
    following.on_click(lambda button: move(1))
    show()
    return ipywidgets.VBox([ipywidgets.HBox([play, previous, following, slider]), view])
