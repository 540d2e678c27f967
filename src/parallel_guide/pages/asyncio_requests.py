"""Fetch many web pages at once with asyncio, at most a few at a time.

A complete program that needs only the standard library:
``python asyncio_requests.py``.  It starts a small HTTP server on 127.0.0.1
(in a thread, on a free port) whose every answer takes a set delay, as a slow
web service would.  Then it fetches pages from it one after another, and
concurrently with a :class:`asyncio.Semaphore` letting only a few requests be
in flight at once, and prints how long each took.  It stops the server at the
end, leaving no thread behind.

The client speaks just enough HTTP/1.1 over :func:`asyncio.open_connection`
for a GET; a real program would use an HTTP client library.
"""

import asyncio
import contextlib
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class HTTPStatusError(Exception):
    """The server answered with a status other than 2xx."""

    def __init__(self, url, status):
        super().__init__(f"{url} answered {status}")
        self.url = url
        self.status = status


class SlowHandler(BaseHTTPRequestHandler):
    """Answers ``GET /any/path?delay=SECONDS&status=CODE`` after ``delay``."""

    def do_GET(self):
        """Wait ``delay`` seconds, then answer with ``status`` and the path."""
        query = parse_qs(urlsplit(self.path).query)
        delay = float(query.get("delay", ["0"])[0])
        status = int(query.get("status", ["200"])[0])
        with self.server.counted():
            answered = self.wait_unless_hung_up(delay)  # a slow back end
        self.server.tally("served" if answered else "abandoned")
        if not answered:
            return
        body = f"{self.path}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def wait_unless_hung_up(self, delay):
        """Wait ``delay`` seconds; False if the client hung up or the server stops."""
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            if self.server.stopping.is_set():
                return False
            # A client that gives up closes its socket: ours turns readable, at EOF.
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False
                except OSError:  # reset by the client
                    return False
                self.server.stopping.wait(min(left, 0.05))  # data, not a hang-up
        return True

    def log_message(self, format, *args):
        """Write no line on stderr per request."""


class SlowServer(ThreadingHTTPServer):
    """A thread per request, and a count of the requests being answered at once."""

    daemon_threads = False  # so server_close() waits for every request's thread
    request_queue_size = 1024  # many clients may connect at the same moment

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SlowHandler)  # port 0: any free port
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests answered at the same time
        self.served = 0  # requests answered
        self.abandoned = 0  # requests whose client hung up before the answer

    @contextlib.contextmanager
    def counted(self):
        """Count a request as in flight while the ``with`` block runs."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def tally(self, outcome):
        """Count one more request ``"served"`` or ``"abandoned"``."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def url(self, path="/", **query):
        """The address of ``path`` on this server, e.g. ``url("/a", delay=0.1)``."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}" + (f"?{urlencode(query)}" if query else "")

    def handle_error(self, request, client_address):
        """Stay quiet: a client that gave up (a timeout) closed its end early."""

    def start(self):
        """Serve in a thread of its own; return the server."""
        self._thread = threading.Thread(target=self.serve_forever, name="slow-server")
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and wait for every thread the server started."""
        self.stopping.set()  # cut short any delay still running
        self.shutdown()  # stop serve_forever
        self.server_close()  # close the socket, join the request threads
        self._thread.join()


@contextlib.contextmanager
def serve():
    """Run a :class:`SlowServer` in a thread for the duration of a ``with`` block."""
    server = SlowServer().start()
    try:
        yield server
    finally:
        server.stop()


async def fetch(url):
    """GET ``url`` over a new connection and return the body as text."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"fetch() needs an http://host/... address, got {url!r}")
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        writer.write(f"{request}Connection: close\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()  # everything, until the server closes
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):  # the server may hang up first
            await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(maxsplit=2)[1])
    if not 200 <= status < 300:
        raise HTTPStatusError(url, status)
    return body.decode()


async def fetch_all(urls, limit=None):
    """Fetch every URL concurrently, at most ``limit`` at a time (None: no limit).

    Returns the bodies in the order of ``urls``.  If any request fails, the
    others are cancelled and the failures are raised together in an
    :class:`ExceptionGroup`.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, or None for no limit; got {limit}")
    gate = asyncio.Semaphore(limit) if limit else contextlib.nullcontext()

    async def fetch_when_allowed(url):
        async with gate:  # waits here while `limit` requests are in flight
            return await fetch(url)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch_when_allowed(url)) for url in urls]
    return [task.result() for task in tasks]


async def main(server, count=20, delay=0.1, limit=5):
    """Fetch ``count`` pages one at a time, then ``limit`` at a time; print times."""
    urls = [server.url(f"/page/{i}", delay=delay) for i in range(count)]
    print(f"{count} requests, each answered after {delay} s")

    start = time.perf_counter()
    for url in urls:
        await fetch(url)
    print(f"one at a time: {time.perf_counter() - start:5.2f} s")

    server.max_in_flight = 0
    start = time.perf_counter()
    bodies = await fetch_all(urls, limit=limit)
    took = time.perf_counter() - start
    print(f"{limit} at a time:   {took:5.2f} s", end="")
    print(f" (the server saw at most {server.max_in_flight} at once)")
    expected = [f"/page/{i}?delay={delay}\n" for i in range(count)]
    print("bodies in order:", bodies == expected)


if __name__ == "__main__":
    with serve() as server:  # the server runs in a thread beside the event loop
        asyncio.run(main(server))
