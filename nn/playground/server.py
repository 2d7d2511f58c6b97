"""The playground's local HTTP server: the live page, its files, and the JSON API.

`make_server` builds it (not started), `serve` runs it until Ctrl-C.
It binds to the loopback interface by default, answers only to its own
address and origin, and hands every command to one `Session`, which checks
it: nothing a page sends is evaluated.
"""

import json
import sys
import threading

from .pages import front_end, live_page, web_file
from .session import Playground, Session

MAX_REQUEST_BYTES = 16 * 1024  # a command is a few hundred bytes
LOOPBACK = ('127.0.0.1', 'localhost', '::1')


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
    import socket
    from http.server import ThreadingHTTPServer

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ':' in host else socket.AF_INET

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
            length = self.headers.get('Content-Length')
            if length is None or not length.isdigit():
                self._error(411, 'a command needs a Content-Length')
                return
            if int(length) > MAX_REQUEST_BYTES:
                self._error(413, f'a command is at most {MAX_REQUEST_BYTES} bytes, got {length}')
                return
            if self.headers.get('Content-Type', '').split(';')[0].strip() != 'application/json':
                self._error(415, 'a command must be sent as application/json')
                return
            try:
                command = json.loads(self.rfile.read(int(length)).decode('utf-8'))
            except (UnicodeDecodeError, ValueError):
                self._error(400, 'a command must be a JSON object')
                return
            reply = self.server.session.handle(command)
            with self.server.latest_lock:
                reply['version'] = self.server.version
            # A refused setting is an answer, not a failed request: 200 with ok false
            # (the page shows the message; a 4xx would also be a console error).
            self._send(200, json.dumps(reply).encode('utf-8'), 'application/json')

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
            self._send(status, json.dumps({'ok': False, 'error': message}).encode('utf-8'), 'application/json')

        def _send(self, status, data, kind):
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
