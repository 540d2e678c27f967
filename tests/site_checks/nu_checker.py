"""The Nu HTML checker (vnu.jar, run with Java) on every page of a built site."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit


def vnu_problems(root: Path, jar: Path, timeout: float = 300) -> list[str]:
    """Errors the Nu HTML checker finds in any page."""
    command = [
        "java",
        "-jar",
        str(jar),
        "--errors-only",
        "--skip-non-html",
        "--format",
        "json",
        "--exit-zero-always",
        str(root),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    try:
        messages = json.loads(done.stderr)["messages"]  # vnu writes JSON to stderr
    except (ValueError, KeyError):
        return [
            f"the Nu HTML checker failed ({done.returncode}): {done.stderr[-2000:]}"
        ]
    problems = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        path = Path(unquote(urlsplit(message.get("url", "")).path))
        try:
            page = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            page = str(path)
        line = message.get("lastLine", "?")
        problems.append(f"{page}:{line}: {message.get('message', message)}")
    return problems
