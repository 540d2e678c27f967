"""Give the pages Sphinx generates a meta description, as the written pages have.

Written pages get theirs from their front matter (``myst: html_meta:``).  The
index, the search page, the module index, the highlighted module sources and
the 404 page have no source to put one in, so it is added here.  A written
page without a description is left alone: ``nox -s site`` reports it.
"""

from html import escape

_DESCRIPTIONS = {
    "genindex": "Index of every function, class and term documented in {project}.",
    "py-modindex": "Index of the Python modules of {project}.",
    "search": "Search the pages of {project}.",
    "404": "This page does not exist in {project}; the links lead back to the guide.",
    "_modules/index": "The source code of every module of {project}, highlighted.",
}


def _description(app, pagename: str) -> str | None:
    project = app.config.project
    if pagename in _DESCRIPTIONS:
        return _DESCRIPTIONS[pagename].format(project=project)
    if pagename.startswith("_modules/"):
        module = pagename.removeprefix("_modules/").replace("/", ".")
        return f"The source code of {module}, the module behind {project}."
    return None


def add_description(app, pagename, templatename, context, doctree) -> None:
    if doctree is not None:  # a written page: its front matter decides
        return
    metatags = context.get("metatags", "")
    description = _description(app, pagename)
    if description and 'name="description"' not in metatags:
        tag = f'<meta name="description" content="{escape(description)}" />\n'
        context["metatags"] = metatags + tag


def setup(app):
    app.connect("html-page-context", add_description)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
