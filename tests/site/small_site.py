"""A small site built with the project's real ``docs/conf.py``, for the build tests."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from parallel_guide.site.sphinx_options import sphinx_options

REAL_DOCS = Path(__file__).resolve().parents[2] / "docs"
SRC = REAL_DOCS.parent / "src"

FRONT = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
"""
"""The front matter that makes a Markdown page an executed notebook."""


def start_site(source: Path, extra_conf: str = "") -> None:
    """Make ``source`` a docs folder whose conf.py runs the real one.

    ``extra_conf`` is appended, to change a setting for one test site.
    """
    # The real static files: conf.py names some of them (the favicon).
    shutil.copytree(REAL_DOCS / "_static", source / "_static")
    (source / "conf.py").write_text(
        "from pathlib import Path\n"
        f"_file = {str(REAL_DOCS / 'conf.py')!r}\n"
        "_settings = {'__file__': _file}\n"
        "exec(compile(Path(_file).read_text(), _file, 'exec'), _settings)\n"
        "globals().update({k: v for k, v in _settings.items() if k[:2] != '__'})\n"
        + extra_conf
    )


def sphinx_build(
    source: Path,
    out: Path,
    *options: str,
    paths: tuple[str, ...] = (),
    quick: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Build ``source`` into ``out/html`` as the project does, and return the run.

    The project's strict options come first, then ``options``.  The execution
    cache goes under ``out``; ``paths`` go on ``PYTHONPATH`` before the
    project's ``src/``; ``quick`` sizes the measurements down.
    """
    env = {
        **os.environ,
        "DOCS_BUILD_DIR": str(out),
        "PYTHONPATH": os.pathsep.join(
            [*paths, str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    env.pop("PARALLEL_GUIDE_QUICK", None)
    if quick:
        env["PARALLEL_GUIDE_QUICK"] = "1"
    return subprocess.run(
        [
            *(sys.executable, "-m", "sphinx", *sphinx_options(), *options),
            *("-b", "html", str(source), str(out / "html")),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
