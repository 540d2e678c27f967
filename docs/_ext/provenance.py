"""Say on every executed page how it was made, and let readers take it home.

Each executed page ends with a hidden cell calling
``parallel_guide.site.page.provenance()``, which glues a JSON record: the
machine, Python, the packages the page imported and their versions, when it
ran, quick or full size, and the measurements that stayed disturbed.  MyST-NB
writes a page's glued values to ``jupyter_execute/<page>.glue.json``; this
extension reads the record from there and

* puts a "Measured on" box under the page's title, with the record, links to
  download the page as a notebook with this build's outputs and the complete
  programs the page shows, and a warning if a measurement stayed disturbed;
* keeps the record, with MyST-NB's execution data, for the build report
  (``build_report``, the next extension) and prints a line per disturbed page
  at the end of the build;
* writes each glued ``published:<name>`` string to ``_published/<name>`` in
  the HTML output, which the role ``{published}`<name>``` links to.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

RECORD_KEY = "page_record"  # parallel_guide.site.page.RECORD_KEY
PUBLISHED = "published:"
PUBLISHED_DIR = "_published"


def _glued(app, docname: str) -> dict[str, Any]:
    """The page's record and published files, as glued; {} if it did not run."""
    from myst_nb.sphinx_ import NbMetadataCollector

    if not NbMetadataCollector.get_exec_data(app.env, docname):
        return {}  # not executed nor taken from the cache: an old file is stale
    path = Path(app.env.mystnb_config.output_folder, docname + ".glue.json")
    if not path.is_file():
        return {}
    values = {}
    for key, output in json.loads(path.read_text(encoding="utf-8")).items():
        if key != RECORD_KEY and not key.startswith(PUBLISHED):
            continue
        text = output.get("data", {}).get("text/plain", "")
        try:
            values[key] = ast.literal_eval(text)  # the repr of the glued str
        except (ValueError, SyntaxError):
            logger.warning(
                f"{path}: {key}: glue a str, not {text[:60]}", location=docname
            )
    return values


def read_page(app, doctree: nodes.document) -> None:
    """Collect the page's record and published files; put its box in place."""
    from myst_nb.sphinx_ import NbMetadataCollector

    env, docname = app.env, app.env.docname
    glued = _glued(app, docname)
    published = {
        key.removeprefix(PUBLISHED): value
        for key, value in glued.items()
        if key.startswith(PUBLISHED) and isinstance(value, str)
    }
    if published:
        env.parallel_guide_published[docname] = published
    if RECORD_KEY not in glued:
        return
    record = json.loads(glued[RECORD_KEY])
    exec_data = NbMetadataCollector.get_exec_data(env, docname) or {}
    record["runtime"] = exec_data.get("runtime")
    record["succeeded"] = exec_data.get("succeeded", False)
    # execution_deps reads the page first and knows whether its kernel ran, and
    # why (MyST-NB's own timestamp cannot tell: it reads UTC as local time).
    execution = env.parallel_guide_execution[docname]
    record["from_cache"] = not execution["executed"]
    record["why"] = (
        f"executed: {execution['reason']}" if execution["executed"] else "cached"
    )
    env.parallel_guide_pages[docname] = record
    title = next(doctree.findall(nodes.title), None)
    if title is not None:
        section = title.parent
        section.insert(section.index(title) + 1, _box(env, docname, doctree, record))


def _box(env, docname: str, doctree, record: dict[str, Any]) -> nodes.Element:
    box = nodes.admonition(classes=["note", "measured-on"])
    box += nodes.title(text="Measured on")
    box += nodes.paragraph(
        text="Every number on this page was measured while this page was built. "
        "Rebuild the site, or run the notebook below, to get your machine's."
    )
    software = ", ".join(
        [f"Python {record['python']}"]
        + [f"{name} {version}" for name, version in record["packages"].items()]
    )
    size = "a quick build: measurements sized down" if record["quick"] else "full size"
    facts = [
        ("Machine", [nodes.Text(record["machine"])]),
        ("Software", [nodes.Text(software)]),
        ("Run", [nodes.Text(f"{record['executed'][:10]}, {size}")]),
        ("Take it home", _downloads(env, docname, doctree)),
    ]
    fields = nodes.field_list()
    for name, body in facts:
        fields += nodes.field(
            "",
            nodes.field_name(text=name),
            nodes.field_body("", nodes.paragraph("", "", *body)),
        )
    box += fields
    if record["disturbed"]:
        warning = nodes.admonition(classes=["warning", "disturbed"])
        warning += nodes.title(text="Measured while the machine was busy")
        warning += nodes.paragraph(
            text="These measurements stayed disturbed after being taken again, "
            "so their numbers are less certain than the rest:"
        )
        items = nodes.bullet_list()
        for text in record["disturbed"]:
            items += nodes.list_item("", nodes.paragraph(text=text))
        warning += items
        box += warning
    return box


def _downloads(env, docname: str, doctree) -> list[nodes.Node]:
    """Links to the executed notebook and to each complete program shown."""
    notebook = Path(env.mystnb_config.output_folder, docname + ".ipynb")
    links = [
        _download(env, notebook, "this page as a notebook, with this build's outputs")
    ]
    seen = set()
    for block in doctree.findall(nodes.literal_block):
        source = block.get("source")  # set by literalinclude only
        if not source or source == block.source or source in seen:
            continue
        seen.add(source)
        if 'if __name__ == "__main__":' in Path(source).read_text(encoding="utf-8"):
            links += [nodes.Text(", "), _download(env, Path(source), Path(source).name)]
    return links


def _download(env, path: Path, text: str) -> nodes.Element:
    # A "/"-rooted target is relative to the source folder, as MyST-NB's
    # {nb-download} role builds it; Sphinx copies the file into _downloads.
    target = "/" + Path(os.path.relpath(path, env.srcdir)).as_posix()
    link = addnodes.download_reference("", "", reftarget=target, refdoc=env.docname)
    link += nodes.inline(text=text, classes=["download"])
    return link


def published_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{published}`bench.json```: a link to a file a page published."""
    env = inliner.document.settings.env
    depth = env.docname.count("/")
    uri = "../" * depth + f"{PUBLISHED_DIR}/{text}"
    env.parallel_guide_linked.setdefault(env.docname, set()).add(text)
    return [nodes.reference(rawtext, text, refuri=uri, classes=["published"])], []


def start_build(app) -> None:
    env = app.env
    for attribute in ("pages", "published", "linked"):
        if not hasattr(env, f"parallel_guide_{attribute}"):
            setattr(env, f"parallel_guide_{attribute}", {})


def purge_page(app, env, docname: str) -> None:
    for attribute in ("pages", "published", "linked"):
        getattr(env, f"parallel_guide_{attribute}", {}).pop(docname, None)


def merge_pages(app, env, docnames, other) -> None:
    for attribute in ("pages", "published", "linked"):
        mine = getattr(env, f"parallel_guide_{attribute}")
        theirs = getattr(other, f"parallel_guide_{attribute}", {})
        mine.update((name, theirs[name]) for name in docnames if name in theirs)


def finish_build(app, exception) -> None:
    if exception is not None:
        return
    env = app.env
    for docname, record in sorted(env.parallel_guide_pages.items()):
        for text in record["disturbed"]:
            # Said loudly but not as a Sphinx warning: -W would turn it into an
            # error, and a busy builder must still publish its pages.
            logger.info(f"disturbed measurement on {docname}: {text}", color="darkred")
    if app.builder.format != "html":
        return
    published = {}
    for files in env.parallel_guide_published.values():
        published.update(files)
    folder = Path(app.outdir, PUBLISHED_DIR)
    for name, text in published.items():
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    if app.config.nb_execution_mode == "off":
        return  # nothing was executed, so nothing was glued to publish
    for docname, names in sorted(env.parallel_guide_linked.items()):
        for name in sorted(set(names) - set(published)):
            logger.warning(
                f"{{published}}`{name}`: no page glued 'published:{name}'",
                location=docname,
            )


def setup(app):
    app.setup_extension("execution_deps")  # whether each page ran, and why
    app.connect("builder-inited", start_build)
    app.connect("env-purge-doc", purge_page)
    app.connect("env-merge-info", merge_pages)
    # Before Sphinx's own handler (500) collects the download links.
    app.connect("doctree-read", read_page, priority=400)
    app.connect("build-finished", finish_build)
    app.add_role("published", published_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
