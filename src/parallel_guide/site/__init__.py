"""The site's own tooling: page set-up, the benchmarks, the build bench, the CLI.

This layer sits on top: it may import page modules (the benchmarks measure
their examples), and nothing below imports it.  It needs the ``docs``
dependency group.
"""
