"""Page modules: the code behind each page of the site, one module per page.

``pages/<name>.py`` belongs to the page ``docs/<section>/<name>.md`` and is
tested by ``tests/pages/test_<name>.py``.  The complete programs the pages
show (files with an ``if __name__ == "__main__":`` block) live here too.
Page modules use the tools and the recipes, never the site's own tooling.
"""
