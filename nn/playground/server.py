"""The playground's local HTTP server: the live page, its files, and the JSON API.

`make_server` builds it (not started), `serve` runs it until Ctrl-C.
It binds to the loopback interface by default, answers only to its own
address and origin, and hands every command to one `Session`, which checks
it: nothing a page sends is evaluated.

Every request gets an HTTP reply, also a malformed one (4xx, a JSON body
naming what was wrong): a client that stops sending gets 408 after
IDLE_SECONDS of silence or REQUEST_SECONDS in all, and at most
MAX_CONNECTIONS connections are served at once (the next ones get 503 at
once), so no client can hold the server's threads.
"""

import json
import socket
import sys
import threading
import time

from .pages import front_end, live_page, web_file
from .session import Playground, Session

MAX_REQUEST_BYTES = 16 * 1024  # a command is a few hundred bytes
LOOPBACK = ('127.0.0.1', 'localhost', '::1')
MAX_CONNECTIONS = 32    # served at once: a browser opens at most 6 per server
IDLE_SECONDS = 10.0     # a client silent this long while sending a request gets 408
REQUEST_SECONDS = 30.0  # and so does one whose request takes longer than this in all


def make_server(playground=None, host='127.0.0.1', port=8000):
    """A ThreadingHTTPServer serving `playground` (a new default one if None); not started.

    GET /                 the page
    GET /playground.js    the front end (also the widget's: pages.front_end()), /playground.css its style,
    GET /playground_live.js  the page's start: a model over the two requests below
    GET /api/state        the current state as JSON; ?since=V answers {"version": V} alone
                          if nothing changed since version V
    POST /api/command     a command (JSON, at most MAX_REQUEST_BYTES) -> its reply, 200 also
                          when it is refused ({"ok": false, "error": ...}); 4xx only for
                          requests that are not commands (size, type, origin, JSON)

    Requests from another origin are refused (403; no CORS headers are ever
    sent), and so is a Host header naming another machine when bound to
    the loopback interface (DNS rebinding). All tabs share one session.
    """
    from http.server import ThreadingHTTPServer

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ':' in host else socket.AF_INET
        request_queue_size = MAX_CONNECTIONS  # a burst waits to be accepted (and answered 503)

        def get_request(self):
            connection, address = self.socket.accept()
            return _Connection.adopt(connection), address

        def process_request(self, request, client_address):
            # One thread per connection, at most MAX_CONNECTIONS of them: the
            # next connection is told to come back (503) by the accepting thread.
            if not self.slots.acquire(blocking=False):
                _refuse_busy(request)
                self.shutdown_request(request)
                return
            try:
                super().process_request(request, client_address)
            except BaseException:
                self.slots.release()
                raise

        def process_request_thread(self, request, client_address):
            try:
                super().process_request_thread(request, client_address)
            finally:
                self.slots.release()

        def handle_error(self, request, client_address):
            # One line, never a traceback; a browser that closed its connection is ordinary.
            error = sys.exc_info()[1]
            if isinstance(error, (ConnectionError, TimeoutError)):
                return
            print(f'playground: error while answering {client_address[0]}: '
                  f'{type(error).__name__}: {error}', file=sys.stderr)

    playground = Playground() if playground is None else playground
    server = Server((host, port), _handler_class())
    server.daemon_threads = True
    server.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    server.session = Session(playground)
    server.version = 0
    server.latest = None
    server.latest_lock = threading.Lock()
    server.static = {
        '/': (live_page().encode('utf-8'), 'text/html; charset=utf-8'),
        '/playground.js': (front_end().encode('utf-8'), 'text/javascript; charset=utf-8'),
        '/playground_live.js': (web_file('playground_live.js').encode('utf-8'),
                                'text/javascript; charset=utf-8'),
        '/playground.css': (web_file('playground.css').encode('utf-8'), 'text/css; charset=utf-8'),
        '/network.js': (web_file('network.js').encode('utf-8'), 'text/javascript; charset=utf-8'),  # network view
        '/network.css': (web_file('network.css').encode('utf-8'), 'text/css; charset=utf-8'),
    }
    bound_port = server.server_address[1]
    server.url = f'http://{"[::1]" if host == "::1" else host}:{bound_port}/'
    if host in LOOPBACK:
        names = ('127.0.0.1', 'localhost', '[::1]')
        server.allowed_hosts = {f'{name}:{bound_port}' for name in names}
    else:
        server.allowed_hosts = None  # the user asked to be reachable under other names

    def publish(state):
        data = json.dumps(state, allow_nan=False, separators=(',', ':')).encode('utf-8')
        with server.latest_lock:
            server.version += 1
            server.latest = (server.version, data)

    server.session.publish = publish
    publish(server.session.current())
    return server


def serve(playground=None, host='127.0.0.1', port=8000, open_browser=True, record=None, out=None):
    """Serve the playground until Ctrl-C; then write the recording to `record` if given."""
    import webbrowser

    out = sys.stdout if out is None else out
    server = make_server(playground, host, port)
    print(f'playground at {server.url}  (Ctrl-C stops it)', file=out, flush=True)
    if host not in LOOPBACK:
        print(f'warning: listening on {host}: anyone who can reach this machine can drive the '
              f'playground', file=out, flush=True)
    if open_browser:
        opener = threading.Timer(0.5, webbrowser.open, [server.url])
        opener.daemon = True
        opener.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print('\nstopped the playground server', file=out, flush=True)
    finally:
        server.session.pause()
        server.server_close()
    if record is not None:
        server.session.playground.save_html(record)
        print(f'wrote {record}', file=out, flush=True)
    return server.session.playground


_HANDLER_CLASS = None


def _handler_class():
    """The request handler (http.server is imported on first use, not by `import nn`)."""
    global _HANDLER_CLASS
    if _HANDLER_CLASS is not None:
        return _HANDLER_CLASS
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        server_version = 'backprop-lab-playground'
        sys_version = ''
        # HTTP/1.0: one request per connection, so no handler thread waits on an
        # idle keep-alive connection after the server has stopped.
        protocol_version = 'HTTP/1.0'

        def do_GET(self):
            path, _, query = self.path.partition('?')
            if not self._host_allowed():
                return
            if path == '/api/state':
                if not self._origin_allowed():
                    return
                with self.server.latest_lock:
                    version, data = self.server.latest
                since = query[len('since='):] if query.startswith('since=') else ''
                if since == str(version):
                    data = json.dumps({'version': version}).encode('utf-8')
                else:
                    data = b'{"version": %d, "state": ' % version + data + b'}'
                self._send(200, data, 'application/json')
            elif path in self.server.static:
                data, kind = self.server.static[path]
                self._send(200, data, kind)
            else:
                self._error(404, f'no such page: {path[:80]}')

        def do_POST(self):
            path = self.path.partition('?')[0]
            if not self._host_allowed() or not self._origin_allowed():
                return
            if path != '/api/command':
                self._error(404, f'no such command endpoint: {path[:80]}')
                return
            length = self._content_length()
            if length is None:
                return
            if self.headers.get('Content-Type', '').split(';')[0].strip() != 'application/json':
                self._error(415, 'a command must be sent as application/json')
                return
            try:
                command = json.loads(self.rfile.read(length).decode('utf-8'))
            except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: '[[[[...'
                self._error(400, 'a command must be a JSON object')
                return
            try:
                reply = self.server.session.handle(command)
            except Exception as error:  # a bug of ours: a reply and one line, never a silent close
                self._error(500, f'internal error ({type(error).__name__}: {str(error)[:200]})')
                raise
            with self.server.latest_lock:
                reply['version'] = self.server.version
            # A refused setting is an answer, not a failed request: 200 with ok false
            # (the page shows the message; a 4xx would also be a console error).
            self._send(200, json.dumps(reply).encode('utf-8'), 'application/json')

        def setup(self):
            super().setup()
            # Until a request line is read: the log line and the replies need them.
            self.requestline, self.command, self.request_version = '', None, 'HTTP/1.0'
            self._replied = self._linger = False
            self.connection.settimeout(IDLE_SECONDS)
            self.connection.deadline = time.monotonic() + REQUEST_SECONDS

        def handle_one_request(self):
            """BaseHTTPRequestHandler's, with an HTTP reply to every request: also
            to a blank request line or one without a version (400), one that
            does not arrive in time (408) and one our own code fails on (500)."""
            try:
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline:
                    return  # connected and closed without a byte: nobody to answer
                if len(self.raw_requestline) > 65536:
                    self._error(414, 'the request line is longer than 64 KiB')
                    return
                if not self.parse_request():
                    if not self._replied:  # parse_request answers every case but a blank line
                        self._error(400, 'the request line is empty')
                    return
                if self.headers.defects or self.headers.get_payload() or any(
                        '\n' in value for value in self.headers.values()):
                    self._error(400, 'malformed header line (a header is Name: value on one line)')
                    return
                if self.request_version == 'HTTP/0.9':
                    self._error(400, 'a request line needs an HTTP version, such as GET / HTTP/1.1')
                    return
                method = getattr(self, f'do_{self.command}', None)
                if method is None:
                    self._error(501, f'unsupported method {self.command[:20]!r}; use GET or POST')
                    return
                method()
                self.wfile.flush()
            except TimeoutError:
                if not self._replied:
                    self._error(408, f'the request did not arrive in time (at most {IDLE_SECONDS:g} s '
                                     f'of silence, {REQUEST_SECONDS:g} s in all)')
            except Exception:
                if not self._replied:
                    self._error(500, 'internal error')
                raise

        def finish(self):
            super().finish()
            if self._linger:
                self._drain()

        def _drain(self):
            """After an error reply, read (and drop) what the client still sends, for
            at most a second: closing a socket with unread data resets the
            connection, and the client could lose the reply before reading it."""
            try:
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.deadline = time.monotonic() + 1.0
                for _ in range(64):  # at most 4 MiB
                    if not self.connection.recv_into(bytearray(65536)):
                        break
            except OSError:  # TimeoutError included: the client has had its second
                pass

        def send_error(self, code, message=None, explain=None):
            # parse_request's errors (400, 431, 505) in this server's form: JSON, a status line.
            self._error(code, message or self.responses.get(code, ('error',))[0])

        def _content_length(self):
            """The body's length from the one Content-Length header, or None after a 4xx reply."""
            from autograd._options import read_int, shown

            if self.headers.get('Transfer-Encoding') is not None:
                self._error(400, 'a command is sent with a Content-Length, not a Transfer-Encoding')
                return None
            values = self.headers.get_all('Content-Length') or []
            if not values:
                self._error(411, 'a command needs a Content-Length')
                return None
            if len(values) > 1:
                self._error(400, 'a request has at most one Content-Length header')
                return None
            try:
                length = read_int(values[0].strip())  # ASCII digits: not '²', '+5' or '1_0'
            except ValueError:
                length = -1
            if length < 0:
                self._error(400, f'Content-Length must be a number of bytes, got {shown(values[0])}')
                return None
            if length > MAX_REQUEST_BYTES:
                self._error(413, f'a command is at most {MAX_REQUEST_BYTES} bytes, got {length}')
                return None
            return length

        def _host_allowed(self):
            allowed = self.server.allowed_hosts
            if allowed is not None and self.headers.get('Host', '') not in allowed:
                self._error(403, 'this server answers only to its own address (check the Host header)')
                return False
            return True

        def _origin_allowed(self):
            """The page itself, or a program without a browser; never another site."""
            origin = self.headers.get('Origin')
            if origin is not None and origin != f"http://{self.headers.get('Host', '')}":
                self._error(403, 'cross-origin requests are refused')
                return False
            if self.headers.get('Sec-Fetch-Site', 'same-origin') not in ('same-origin', 'none'):
                self._error(403, 'cross-site requests are refused')
                return False
            return True

        def _error(self, status, message):
            self.close_connection = True  # never read an unread body as the next request
            self._linger = True
            if self.request_version in ('HTTP/0.9', ''):
                self.request_version = 'HTTP/1.0'  # HTTP/0.9 has no status line: never answer in it
            try:
                self._send(status, json.dumps({'ok': False, 'error': message}).encode('utf-8'),
                           'application/json')
            except OSError:
                pass  # the client has gone: nobody to tell

        def _send(self, status, data, kind):
            self._replied = True
            self.connection.deadline = None  # the request is in: the reply has its own timeout
            self.connection.settimeout(IDLE_SECONDS)
            self.send_response(status)
            self.send_header('Content-Type', kind)
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Cache-Control', 'no-store')
            self.send_header('X-Content-Type-Options', 'nosniff')
            self.send_header('Content-Security-Policy',
                             "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass  # a quiet terminal: the page reports what went wrong

    _HANDLER_CLASS = Handler
    return Handler


class _Connection(socket.socket):
    """A client's socket whose reads stop at `deadline` (time.monotonic(); None:
    none): a socket's own timeout bounds one silence, not a client that
    sends a byte every few seconds."""

    deadline = None

    @classmethod
    def adopt(cls, connection):
        """The same connection (its file descriptor) as a _Connection."""
        return cls(connection.family, connection.type, connection.proto, fileno=connection.detach())

    def recv_into(self, buffer, nbytes=0, flags=0):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('the request took too long')
            self.settimeout(min(left, IDLE_SECONDS))
        return super().recv_into(buffer, nbytes, flags)


def _refuse_busy(connection):
    """Answer 503 from the accepting thread, never waiting: first drop what the
    client has sent already (closing a socket with unread data resets the
    connection, and the client could lose the reply), then a reply that fits
    a fresh socket's buffer."""
    body = b'{"ok": false, "error": "the playground is serving too many connections; try again"}'
    head = (b'HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n'
            b'Retry-After: 1\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % len(body))
    try:
        connection.setblocking(False)
        for _ in range(16):  # at most 1 MiB
            if not connection.recv(65536):
                break
    except (BlockingIOError, OSError):
        pass
    try:
        connection.send(head + body)
    except OSError:
        pass
