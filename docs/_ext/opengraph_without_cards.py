"""sphinxext-opengraph, without the matplotlib import its social cards need.

sphinxext-opengraph 0.13 imports its social-card module, and matplotlib with
it, as soon as it is loaded: about 1.5 s of every build, a warm rebuild with
nothing to do included, although this site draws no cards.  This extension
puts a stand-in for that module in place, saying what the real one would with
cards off, then loads sphinxext-opengraph.  Upstream's main branch imports the
card module only when it draws a card (the work on
sphinx-doc/sphinxext-opengraph#145); drop this extension for
``sphinxext.opengraph`` once a release has that.
"""

from __future__ import annotations

import sys
import types
from importlib import metadata

from sphinx.errors import ConfigError

CARDS_MODULE = "sphinxext.opengraph._social_cards"


def _cards_stay_off(app, config) -> None:
    if (config.ogp_social_cards or {}).get("enable") is not False:
        raise ConfigError(
            "opengraph_without_cards cannot draw social cards: set "
            'ogp_social_cards = {"enable": False}, or load sphinxext.opengraph '
            "in its place to draw them"
        )


def setup(app):
    version = metadata.version("sphinxext-opengraph")
    if version.startswith("0.13.") and CARDS_MODULE not in sys.modules:
        stand_in = types.ModuleType(CARDS_MODULE, "Social cards are off.")
        stand_in.DEFAULT_SOCIAL_CONFIG = {"enable": False}
        stand_in.create_social_card = None
        sys.modules[CARDS_MODULE] = stand_in
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", _cards_stay_off)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
