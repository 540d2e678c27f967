"""Internal links and anchors of a built site that do not resolve.

Links to files are linkchecker's to find; anchors are checked here, from the
ids each page has.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_checks.built_site import pages, parse


def link_problems(root: Path, work: Path, timeout: float = 300) -> list[str]:
    """Internal links and anchors that do not resolve.

    Links to files: linkchecker on the built files (every page a start, so
    pages no other page links to are checked too).  Anchors: anchor_problems,
    which reads each page's ids once; linkchecker's own anchor check parses
    the target page again for every link into it, minutes on the API page.
    """
    return _linkchecker_problems(root, work, timeout) + anchor_problems(root)


def _linkchecker_problems(root: Path, work: Path, timeout: float) -> list[str]:
    """linkchecker started as root drops to the user nobody, so ``work`` and the
    site must be readable by everyone.  404.html is left out: its links are
    rooted at the published path, checked by metadata.not_found_page_problems.
    """
    linkchecker = shutil.which("linkchecker") or str(
        Path(sys.executable).with_name("linkchecker")
    )
    config = work / "linkcheckerrc"
    config.write_text("[checking]\nthreads=4\n")
    config.chmod(0o644)
    starts = [
        (root / page).resolve().as_uri() for page in pages(root) if page != "404.html"
    ]
    command = [linkchecker, "--config", str(config), "--no-status", "-o", "csv"]
    done = subprocess.run(
        [*command, *starts],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=work,
    )
    if done.returncode not in (0, 1):
        return [f"linkchecker failed ({done.returncode}): {done.stderr[-2000:]}"]
    rows = [line for line in done.stdout.splitlines() if not line.startswith("#")]
    problems = []
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        parent = row.get("parentname") or row.get("url") or ""
        try:
            page = Path(unquote(urlsplit(parent).path)).relative_to(root.resolve())
        except ValueError:
            page = parent
        what = "; ".join(
            text for text in (row.get("result"), row.get("warningstring")) if text
        )
        problems.append(f"{page}: link {row['urlname']}: {what}")
    if done.returncode == 1 and not problems:
        problems.append(f"linkchecker reported problems:\n{done.stdout[-3000:]}")
    return problems


def _ids(root: Path, page: str) -> set[str]:
    document = parse(root, page)
    ids = {element["id"] for element in document.find_all(id=True)}
    return ids | {
        anchor["name"] for anchor in document.find_all("a", attrs={"name": True})
    }


def anchor_problems(root: Path) -> list[str]:
    """Links to an #anchor, on the same page or another, that no element has."""
    known = set(pages(root))
    ids: dict[str, set[str]] = {}
    problems = []
    for page in sorted(known - {"404.html"}):
        for link in parse(root, page).find_all("a", href=True):
            url = urlsplit(link["href"])
            if url.scheme or url.netloc or not url.fragment:
                continue
            target = (
                (Path(page).parent / unquote(url.path)).as_posix() if url.path else page
            )
            target = os.path.normpath(target)
            if target not in known:
                continue  # a missing file is linkchecker's to report
            if target not in ids:
                ids[target] = _ids(root, target)
            if unquote(url.fragment) not in ids[target]:
                problems.append(
                    f"{page}: link {link['href']}: anchor #{url.fragment} not found"
                    + (f" in {target}" if target != page else "")
                )
    return problems
