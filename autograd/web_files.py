"""The front-end files of autograd/web/ (package data): the one way to read them.

The drawings read the palette, the steps page inlines stepper.js,
stepper.css and the palette; `nn` may read its own files the same way.
"""

import json
import os

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'web')


def web_text(name):
    """The text of autograd/web/<name>.

    A plain file read, not importlib.resources: the palette is read on
    `import autograd`, and importlib.resources would add about 10 ms to it.
    """
    with open(os.path.join(FOLDER, name), encoding='utf-8') as file:
        return file.read()


def palette():
    """The project's colours by role, from palette.json (keys starting with '_' are notes)."""
    return {key: value for key, value in json.loads(web_text('palette.json')).items()
            if not key.startswith('_')}
