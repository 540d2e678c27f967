"""The options every build of the site runs Sphinx with.

They are written once, in ``pyproject.toml`` (``[tool.parallel-guide]``
``sphinx-options``), which ``noxfile.py`` reads as well, so ``nox -s docs``,
the build bench and the tests that build a site are equally strict.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["PYPROJECT", "sphinx_options"]

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
"""The project's ``pyproject.toml``, when the package runs from a clone."""


def sphinx_options(pyproject: Path = PYPROJECT) -> tuple[str, ...]:
    """The strict options, e.g. ``('-n', '-W', '--keep-going', '-T')``.

    >>> "-W" in sphinx_options()
    True
    """
    try:
        settings = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{pyproject} is missing: the site's tooling runs from a clone of the "
            "project, with the package installed editable (pip install -e .)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{pyproject} is not valid TOML: {error}") from None
    options = settings.get("tool", {}).get("parallel-guide", {}).get("sphinx-options")
    if not (isinstance(options, list) and all(isinstance(o, str) for o in options)):
        raise ValueError(
            f"{pyproject}: [tool.parallel-guide] sphinx-options must be a list of "
            f"strings, got {options!r}"
        )
    return tuple(options)
