"""The playground's pages and front-end files: the live page the server
sends, the self-contained page `Playground.save_html` writes, and the one
helper that reads the web files.

The front end is nn/web/ (playground.js, .css, .html, playground_live.js,
playground_touch.js, which `front_end()` puts before playground.js, and the
network view's network.js and .css);
the colours come from autograd/web/palette.json, the one palette of the
project. What starts a page is one JSON object in the page (`boot`): the
mode ('live' or 'recording'), the palette, the menus' choices, and for a
recording its frames.
"""

import json
import re

from autograd import web_files

from ..network_web import inline_into  # network view
from .settings import choices


def web_file(name, package='nn'):
    """The text of <package>/web/<name> (package data, installed with the package);
    autograd's own files (the palette) are read by autograd.web_files."""
    from importlib.resources import files  # about 10 ms: only when a page or a widget is made

    return files(package).joinpath('web', name).read_text(encoding='utf-8')


# The files of the one script the page, the widget and a recording load, in order:
# playground_touch.js uses playground.js's helpers and is used by its render().
FRONT_END = ('playground_touch.js', 'playground.js')


def front_end():
    """The playground's script: the files of FRONT_END, one after the other (one ES module)."""
    return '\n'.join(web_file(name) for name in FRONT_END)


def palette():
    """The project's colours by role (autograd/web/palette.json), its notes left out."""
    return web_files.palette()  # the one reader of autograd's web files


def boot(mode, **more):
    """What a page or the widget starts from: mode, palette, choices (and `more`)."""
    return {'mode': mode, 'palette': palette(), 'choices': choices(), **more}


def _page(head, boot_data, script):
    template = web_file('playground.html')
    # `<` is escaped inside the JSON so that no text in it can end the script element.
    parts = {'HEAD': head, 'BOOT': json.dumps(boot_data, separators=(',', ':')).replace('<', '\\u003c'),
             'SCRIPT': script}
    return re.sub(r'@@(HEAD|BOOT|SCRIPT)@@', lambda match: parts[match.group(1)], template)


def live_page():
    """The page `python -m nn playground` serves; script and style are fetched from the server."""
    # An empty icon: else the browser asks the server for /favicon.ico and logs its 404.
    head = ('<link rel="icon" href="data:,"><link rel="stylesheet" href="/playground.css">'
            '<link rel="stylesheet" href="/network.css">')  # network view
    return _page(head, boot('live'),
                 '<script type="module" src="/playground_live.js"></script>')


def recording_page(frames):
    """One self-contained page showing `frames` (states), with a slider."""
    # network view: network.js inlined in place of its import, its style appended
    script = inline_into(front_end())
    style = web_file('playground.css') + web_file('network.css')
    if '</script' in script.lower() or '</style' in style.lower():
        raise ValueError('the playground\'s script and style must not contain </script or </style (they are inlined)')
    # The policy forbids every fetch: the page works from disk or not at all.
    head = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'script-src \'unsafe-inline\'; style-src \'unsafe-inline\'; img-src data:">'
            f'<style>\n{style}</style>')
    return _page(head, boot('recording', frames=frames), f'<script type="module">\n{script}</script>')
