"""The build report: how every executed page of this build was made.

``{build-report}`` renders a table of the pages the ``provenance`` extension
recorded: run time, executed now or taken from the execution cache, status,
quick or full size, Python, and the measurements that stayed disturbed.  The
table is filled in once every page has been read, and the report page is read
again whenever another page is, so it always describes the latest build.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class report_placeholder(nodes.General, nodes.Element):
    """Where the table goes, once every page has been read."""


class BuildReport(SphinxDirective):
    def run(self):
        self.env.parallel_guide_reports.add(self.env.docname)
        return [report_placeholder()]


COLUMNS = (
    "Page",
    "Run time (s)",
    "Outputs",
    "Status",
    "Size",
    "Disturbed measurements",
)


def _row(app, fromdoc: str, docname: str, record: dict) -> list[nodes.Node]:
    link = nodes.reference("", "", internal=True)
    link["refuri"] = app.builder.get_relative_uri(fromdoc, docname)
    link += nodes.Text(
        app.env.titles[docname].astext() if docname in app.env.titles else docname
    )
    runtime = record.get("runtime")
    disturbed = record["disturbed"]
    return [
        link,
        nodes.Text("-" if runtime is None else f"{runtime:.1f}"),
        nodes.Text(record["why"]),
        nodes.Text("ok" if record["succeeded"] else "failed"),
        nodes.Text("quick" if record["quick"] else "full"),
        nodes.Text("; ".join(disturbed) if disturbed else "none"),
    ]


def _table(app, fromdoc: str) -> nodes.table:
    table = nodes.table(classes=["build-report"])
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in COLUMNS)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    head += nodes.row(
        "", *(nodes.entry("", nodes.paragraph(text=name)) for name in COLUMNS)
    )
    for docname, record in sorted(app.env.parallel_guide_pages.items()):
        cells = _row(app, fromdoc, docname, record)
        body += nodes.row(
            "", *(nodes.entry("", nodes.paragraph("", "", cell)) for cell in cells)
        )
    return table


def fill_report(app, doctree, docname: str) -> None:
    for placeholder in list(doctree.findall(report_placeholder)):
        pages = app.env.parallel_guide_pages
        runtimes = [
            r["runtime"] for r in pages.values() if r.get("runtime") is not None
        ]
        disturbed = sum(len(r["disturbed"]) for r in pages.values())
        summary = nodes.paragraph(
            text=f"{len(pages)} executed pages, "
            f"{sum(not r['from_cache'] for r in pages.values())} of them executed by "
            f"the build that made this report, "
            f"{sum(runtimes):.0f} s of execution between them, "
            f"{disturbed} disturbed measurements."
        )
        placeholder.replace_self([summary, _table(app, docname)])


def report_is_outdated(app, env, added, changed, removed) -> list[str]:
    """Read the report again whenever any other page is read."""
    if added or changed or removed:
        return sorted(env.parallel_guide_reports)
    return []


def start_build(app) -> None:
    if not hasattr(app.env, "parallel_guide_reports"):
        app.env.parallel_guide_reports = set()


def purge(app, env, docname: str) -> None:
    env.parallel_guide_reports.discard(docname)


def merge(app, env, docnames, other) -> None:
    env.parallel_guide_reports |= getattr(other, "parallel_guide_reports", set())


def setup(app):
    app.setup_extension("provenance")
    app.add_node(report_placeholder)
    app.add_directive("build-report", BuildReport)
    app.connect("builder-inited", start_build)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", report_is_outdated)
    app.connect("doctree-resolved", fill_report)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
