"""The playground as a Jupyter widget: the page's front end (nn/web/playground.js)
over anywidget's model, the kernel's training behind a `Session`.

anywidget is imported when the first widget is made, not by `import nn`.
"""

from ..network_web import inline_into
from .pages import boot, front_end, web_file
from .session import Session

_WIDGET_CLASS = None


def make_widget(playground):
    """A live anywidget view of `playground`."""
    global _WIDGET_CLASS
    if _WIDGET_CLASS is None:
        _WIDGET_CLASS = _widget_class()
    return _WIDGET_CLASS(playground)


def _widget_class():
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError('the playground widget needs anywidget: pip install anywidget '
                          '(or the project\'s notebook extra: pip install -e ".[notebook]")') from None

    class PlaygroundWidget(anywidget.AnyWidget):
        """The playground in a notebook: the page's front end, the kernel's training."""

        _esm = inline_into(front_end())  # network view: network.js inlined
        _css = web_file('playground.css') + web_file('network.css')
        mode = traitlets.Unicode('live').tag(sync=True)
        palette = traitlets.Dict().tag(sync=True)
        choices = traitlets.Dict().tag(sync=True)
        state = traitlets.Dict().tag(sync=True)

        def __init__(self, playground):
            start = boot('live')
            super().__init__(palette=start['palette'], choices=start['choices'])
            self.session = Session(playground, publish=self._publish)
            self.state = self.session.current()
            self.on_msg(self._on_command)

        def _publish(self, state):
            self.state = state

        def _on_command(self, _widget, content, _buffers):
            reply = self.session.handle(content)
            self.send({'type': 'reply', **reply})

    return PlaygroundWidget
