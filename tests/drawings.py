"""Graphs and SVG/DOT readers shared by the drawing and stepping tests."""

import re
import xml.etree.ElementTree as ElementTree

from autograd import Value

SVG = '{http://www.w3.org/2000/svg}'


def neuron():
    """tanh(x1*w1 + x2*w2 + b), labelled, with b chosen so that tanh(n) = 1/sqrt(2)."""
    x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')
    w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    x1w1 = x1 * w1
    x1w1.label = 'x1*w1'
    x2w2 = x2 * w2
    x2w2.label = 'x2*w2'
    total = x1w1 + x2w2
    total.label = 'x1*w1 + x2*w2'
    n = total + b
    n.label = 'n'
    o = n.tanh()
    o.label = 'o'
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, total=total, n=n, o=o)


def svg_of(drawing):
    return ElementTree.fromstring(drawing.pipe(format='svg'))


def svg_nodes(root_element):
    """{node id: [texts]} for every Graphviz node in an SVG."""
    nodes = {}
    for group in root_element.iter(f'{SVG}g'):
        if group.get('class') == 'node':
            title = group.find(f'{SVG}title').text
            nodes[title] = [text.text for text in group.iter(f'{SVG}text')]
    return nodes


def svg_edges(root_element):
    titles = []
    for group in root_element.iter(f'{SVG}g'):
        if group.get('class') == 'edge':
            titles.append(group.find(f'{SVG}title').text.replace('&#45;', '-').replace('&gt;', '>'))
    return titles


def dot_nodes(source):
    """{node id: (attribute text, enclosing cluster labels)} from DOT source, read line by line."""
    nodes, clusters = {}, []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith('subgraph'):
            clusters.append(None)
        elif line == '}':
            if clusters:
                clusters.pop()
        elif clusters and clusters[-1] is None and 'label=' in line and line.startswith('color='):
            clusters[-1] = re.search(r'label="?([^" ]+)"?', line).group(1)
        else:
            match = re.match(r'(v\d+|op\d+|box\d+) \[(.*)\]$', line)
            if match:
                nodes[match.group(1)] = (match.group(2), tuple(clusters))
    return nodes


def page_data(page):
    """The frames' JSON of a steps page (autograd/stepper.py)."""
    import json

    start = page.index('class="bl-frames">') + len('class="bl-frames">')
    return json.loads(page[start:page.index('</script>', start)])


def page_frame(page, k):
    """What frame k of a steps page shows, replayed as stepper.js replays it:
    {drawn value id: (state, data text, grad text)}."""
    data = page_data(page)
    values = {}
    for text, changes, edges in data['frames'][:k + 1]:
        for position, *look in changes:
            values[position] = tuple(look)
    return {value_id: values[position] for position, (ids, op) in enumerate(data['ids'])
            for value_id in ids}
