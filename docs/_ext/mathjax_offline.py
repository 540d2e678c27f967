"""sphinx-mathjax-offline, declared safe for reading pages in parallel.

sphinx-mathjax-offline 0.0.2 (the latest release) serves MathJax from the
site's ``_static`` instead of a CDN, but its ``setup()`` returns no metadata,
so Sphinx assumes it unsafe for ``-j`` and warns, which ``-W`` makes an error.
All it does is point ``mathjax_path`` at the copy and copy MathJax in at the
end of the build, in the main process: safe to read and write in parallel.
"""

NAME = "sphinx-mathjax-offline"


def setup(app):
    app.setup_extension(NAME)
    extension = app.extensions[NAME]
    extension.parallel_read_safe = extension.parallel_write_safe = True
    return {"parallel_read_safe": True, "parallel_write_safe": True}
