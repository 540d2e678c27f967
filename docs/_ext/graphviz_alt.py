"""Give each SVG graph that sphinx.ext.graphviz draws an accessible name.

With ``graphviz_output_format = "svg"`` Sphinx embeds a graph as
``<object type="image/svg+xml">`` whose text alternative (the directive's
``:alt:``) is only fallback content, shown when the SVG cannot load.  Screen
readers and axe-core (``object-alt``, serious) want a name on the object
itself, so the alternative text is copied onto it as ``aria-label``, with
``role="img"``.  Links inside the SVG keep working.
"""

import re

# What sphinx.ext.graphviz writes for an SVG graph (render_dot_html).
_OBJECT = re.compile(
    r'(<object data="[^"]*" type="image/svg\+xml" class="[^"]*")>\n'
    r'<p class="warning">(.*?)</p>',
    re.DOTALL,
)


def _named(match: re.Match) -> str:
    opening, alt = match.groups()
    label = " ".join(alt.split())  # the default alt is the multi-line dot source
    return f'{opening} role="img" aria-label="{label}">\n<p class="warning">{alt}</p>'


def name_graphs(app, pagename, templatename, context, doctree) -> None:
    """Add ``role="img"`` and ``aria-label`` to every graphviz SVG object."""
    body = context.get("body")
    if isinstance(body, str) and 'type="image/svg+xml"' in body:
        context["body"] = _OBJECT.sub(_named, body)


def setup(app):
    app.connect("html-page-context", name_graphs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
