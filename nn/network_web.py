"""The network view's front-end files (nn/web/network.js and network.css),
and how a page that cannot fetch them gets them inlined.

The served playground page loads network.js as a module next to
playground.js. The Jupyter widget and the recorded page get one script
text: `inline_into(script)` puts network.js in place of the line that
imports it (network.js defines one top-level name, `networkView`, so the
two modules share a scope without clashing).
"""

IMPORT_LINE = "import { networkView } from './network.js';"


def web_text(name):
    """A file of nn/web, as text."""
    from importlib.resources import files

    return files('nn').joinpath('web', name).read_text(encoding='utf-8')


def inline_into(script):
    """`script` with its import of network.js replaced by network.js itself
    (without its export lines); unchanged if it does not import it."""
    if IMPORT_LINE not in script:
        return script
    module = '\n'.join(line for line in web_text('network.js').splitlines()
                       if not line.startswith('export '))
    return script.replace(IMPORT_LINE, module, 1)
