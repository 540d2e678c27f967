"""The real docs/conf.py, for a site whose pages each break one check on purpose.

tests/site_checks/test_broken_site.py builds this site and shows that each check of
``nox -s site`` reports the page that breaks it.
"""

from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs"
_settings = {"__file__": str(DOCS / "conf.py")}
exec(compile((DOCS / "conf.py").read_text(), _settings["__file__"], "exec"), _settings)
globals().update({k: v for k, v in _settings.items() if not k.startswith("__")})

# The real configuration's paths are relative to docs/.
html_static_path = [str(DOCS / "_static")]
html_favicon = str(DOCS / "_static" / "favicon.svg")
nb_execution_mode = "force"  # no cache: the pages are tiny
suppress_warnings = ["toc.no_title"]  # no_title.md has none, on purpose
