"""Serving a built site on 127.0.0.1, as its hosts serve it, for the browser."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlsplit


class SiteServer:
    """Serve a built site on 127.0.0.1 under the path it is published at.

    Like Read the Docs and GitHub Pages, a missing address gets the site's
    404.html with status 404.  Use as a context manager; the server thread
    stops on exit.
    """

    def __init__(self, root: Path, prefix: str = "/") -> None:
        self.root = root
        self.prefix = prefix
        handler = functools.partial(_Handler, root, prefix)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"site-server-{root.name}",
            daemon=True,
        )

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, page: str = "") -> str:
        return f"{self.origin}{self.prefix}{page}"

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class _Handler(http.server.SimpleHTTPRequestHandler):
    timeout = 10  # a connection the browser opens and never uses is dropped

    def __init__(self, root: Path, prefix: str, *args, **kwargs) -> None:
        self.prefix = prefix
        self.site_root = root
        super().__init__(*args, directory=str(root), **kwargs)

    def send_head(self):
        path = urlsplit(self.path).path
        if not path.startswith(self.prefix):
            self.send_error(404)
            return None
        self.path = "/" + self.path[len(self.prefix) :]
        return super().send_head()

    def send_error(self, code, message=None, explain=None) -> None:
        page = self.site_root / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet: problems are reported, not logged
        pass
