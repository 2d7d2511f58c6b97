"""Serve the built site on 127.0.0.1 and open it in a headless Chromium that
can reach nothing else: what the site's tests, benchmark and screenshot use.

    server = serve_site('site')             # a static server on a free port
    refused = RefusingProxy()               # every other origin goes here
    driver = chromium(refused)              # headless, system chromium + chromedriver
    ...
    server.violations                       # what the policy refused: must stay []

Chromium sends every request for another host through `RefusingProxy`,
which answers 403 and notes it (Chromium's own background traffic shows
there too, so tests count `server.violations` instead); requests to the
loopback address bypass a proxy by Chromium's own rule, so only the site
itself is reached. The server sends the pages' policy as a header as well,
which binds the Web Workers too (a worker takes its policy from its own
response), with a report address: each refused request, from a page or a
worker, lands in `server.violations`.
"""

import functools
import http.server
import json
import os
import shutil
import socketserver
import threading

CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'


# The policy of the pages' meta tags, sent as a header too so that it also
# binds the Web Worker (a worker takes its policy from its own response, and a
# static host sends none) and reports each violation to /csp-report.
POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
          "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    # The types a static host gives these files (Python's table may lack .mjs and .wasm).
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
                      '.whl': 'application/zip', '.zip': 'application/zip', '.svg': 'image/svg+xml'}

    def end_headers(self):
        self.send_header('Content-Security-Policy', f'{POLICY}; report-uri /csp-report')
        super().end_headers()

    def do_POST(self):
        if self.path != '/csp-report':
            self.send_error(404)
            return
        body = self.rfile.read(min(int(self.headers.get('Content-Length') or 0), 1 << 16))
        try:
            report = json.loads(body.decode('utf-8')).get('csp-report', {})
        except (UnicodeDecodeError, ValueError, AttributeError):
            report = {'unreadable report': body[:200].decode('utf-8', 'replace')}
        self.server.violations.append(report)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve_site(folder):
    """A running static server of `folder` on 127.0.0.1 (a free port); .url, .close(),
    and .violations: the reports of what the policy refused, in the pages or their workers."""
    if not os.path.exists(os.path.join(folder, 'index.html')):
        raise FileNotFoundError(f'{folder} holds no built site: run ./lab site')
    server = _Server(('127.0.0.1', 0), functools.partial(_SiteHandler, directory=folder))
    server.violations = []
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True).start()
    server.url = f'http://127.0.0.1:{server.server_address[1]}/'

    def close():
        server.shutdown()
        server.server_close()

    server.close = close
    return server


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that refuses every request (403) and keeps a list of them."""

    def __init__(self):
        self.requests = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _refuse(self):
                proxy.requests.append(f'{self.command} {self.path}')
                self.send_error(403, 'the site may fetch nothing from another origin')

            do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = do_CONNECT = _refuse

            def log_message(self, format, *args):
                pass

        self.server = _Server(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True).start()
        self.address = f'127.0.0.1:{self.server.server_address[1]}'

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def chromium(proxy, width=1280, height=800):
    """Headless Chromium (the system's, through its chromedriver) whose every
    request to another host goes to `proxy` (None: no proxy); the console is
    logged, and the page (not the window) is width x height."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not os.path.exists(CHROMEDRIVER):
        raise FileNotFoundError('chromedriver is missing: run ./lab test (it installs chromium and '
                                'chromium-driver), or: sudo apt-get install chromium chromium-driver')
    options = webdriver.ChromeOptions()
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     f'--window-size={width},{height}', '--force-device-scale-factor=1', '--no-first-run',
                     '--disable-extensions',
                     # Chromium's own traffic (updates, metrics) would be counted as the site's.
                     '--disable-background-networking', '--disable-component-update', '--disable-sync',
                     '--disable-default-apps', '--disable-domain-reliability', '--no-pings',
                     '--metrics-recording-only'):
        options.add_argument(argument)
    if proxy is not None:
        options.add_argument(f'--proxy-server=http://{proxy.address}')
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                           {'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False})
    return driver
