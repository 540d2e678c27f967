"""A small site built with the project's real ``docs/conf.py``, for the build tests."""

import shutil
from pathlib import Path

REAL_DOCS = Path(__file__).resolve().parents[2] / "docs"

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
