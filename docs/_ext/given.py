"""The ``{given}`` role: a number the page states, not one it measured.

Every measured number on the site is glued from the cell that measured it;
``tests/site/test_typed_numbers.py`` fails on a number that looks measured (a
time, a percentage, a speed-up, a core count) typed into the prose.  The few
that are not measurements, such as a parameter ("a {given}`5 s` timeout") or
a quotation, are wrapped in this role, which renders its text unchanged, so
that each one is a visible, reviewed decision in the page's source.
"""

from docutils import nodes
from docutils.utils import unescape


def given_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, unescape(text), classes=["given"])], []


def setup(app):
    app.add_role("given", given_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
