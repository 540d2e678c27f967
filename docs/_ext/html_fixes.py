"""Repair invalid HTML that Furo, Sphinx and viewcode write, at its source.

``nox -s site`` runs the Nu HTML checker and axe-core on every page; these are
the errors they found in the theme's and Sphinx's own markup, not in any page:

- Furo wraps every table (and display equation) in a ``div.table-wrapper``
  (``div.math-wrapper``) and copies the wrapped node's attributes onto it, ids
  included, so a captioned or labelled table has its id twice ("Duplicate
  ID").  A post-transform, after Furo's, leaves the id on the table only.
  (Not reported to Furo yet: no issue found in its tracker in December 2026.)
- Sphinx writes a toctree caption as ``<p class="caption" role="heading">``
  with no ``aria-level``, which a heading role requires (axe's
  aria-required-attr, critical).  Captions get ``aria-level="2"``.
  Upstream: sphinx-doc/sphinx#14030 (fix proposed in #14437); delete this
  part once the Sphinx in use writes the attribute itself.
- viewcode wraps each documented object in the highlighted source in a
  ``div.viewcode-block`` inside ``<pre>``, where a div is not allowed; it
  becomes a span, which carries the same id and class.  (sphinx-doc/sphinx#4701
  fixed an earlier misplaced div; this one is not reported upstream yet.)
- A code block, output or table wider than the page scrolls sideways, which
  a keyboard user can do only if it can take focus (axe's
  scrollable-region-focusable, serious): ``_static/keyboard_scroll.js`` gives
  each overflowing region a tab stop.
"""

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

_WRAPPERS = {"table-wrapper", "math-wrapper"}
_CAPTION = '<p class="caption" role="heading">'
_PRE = re.compile(r"<pre>.*?</pre>", re.DOTALL)


class DropWrapperIds(SphinxPostTransform):
    """Remove from each Furo wrapper the ids its wrapped element also has."""

    formats = ("html",)
    default_priority = 501  # Furo's WrapTableAndMathInAContainerTransform is 500

    def run(self, **kwargs) -> None:
        for wrapper in self.document.findall(nodes.container):
            if not _WRAPPERS & set(wrapper["classes"]) or not wrapper.children:
                continue
            inner = set(wrapper.children[0].get("ids", ()))
            wrapper["ids"] = [i for i in wrapper["ids"] if i not in inner]


def _viewcode_spans(match: re.Match) -> str:
    pre = match.group(0)
    pre = pre.replace('<div class="viewcode-block"', '<span class="viewcode-block"')
    return pre.replace("</div>", "</span>")


def repair_page(app, pagename, templatename, context, doctree) -> None:
    """Fix the captions (body and Furo's sidebar) and viewcode's blocks."""
    for key in ("body", "furo_navigation_tree"):
        if isinstance(context.get(key), str):
            context[key] = context[key].replace(
                _CAPTION, _CAPTION.replace(">", ' aria-level="2">')
            )
    if pagename.startswith("_modules/") and isinstance(context.get("body"), str):
        context["body"] = _PRE.sub(_viewcode_spans, context["body"])


def setup(app):
    app.add_post_transform(DropWrapperIds)
    app.add_js_file("keyboard_scroll.js", loading_method="defer")
    # After Furo's own handler (priority 500), which builds the sidebar.
    app.connect("html-page-context", repair_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
