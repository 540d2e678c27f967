"""Mark in the HTML where a code block's code comes from, for ``nox -s site``.

The site checks accept a Python fragment (a block that is not a complete
program) only if something executed it.  Cells are executed by the page; two
other kinds of block are marked here so the checks can tell them apart:

``doctested``
    ``{doctest}`` blocks (run by ``sphinx.ext.doctest``) and the examples in
    docstrings that autodoc shows (run by ``pytest --doctest-modules src``):
    ``nox -s doctests`` runs both.  A ``>>>`` block typed into a page, which
    nothing runs, is not marked.
``from-<file name>``
    a ``literalinclude`` of that file (``from-task_parallel.py``); the checks
    then look for a cell on the page that uses what it shows.
"""

from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform


class MarkBlockOrigins(SphinxTransform):
    """Add ``doctested`` and ``from-<file>`` classes to code blocks."""

    default_priority = 800

    def apply(self, **kwargs) -> None:
        for block in self.document.findall(nodes.literal_block):
            if block.get("testnodetype") == "doctest":
                block["classes"].append("doctested")
            included = block.get("source")  # only literalinclude sets this key
            if included and included != block.source:
                block["classes"].append(f"from-{Path(included).name}")
        for block in self.document.findall(nodes.doctest_block):
            # autodoc records a docstring's origin as "<file>:docstring of <name>"
            if ":docstring of " in (block.source or ""):
                block["classes"].append("doctested")


def setup(app):
    app.add_transform(MarkBlockOrigins)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
