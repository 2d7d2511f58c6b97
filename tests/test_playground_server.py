"""The playground's local server, with plain HTTP requests to 127.0.0.1 only,
and `python -m nn playground` as a user runs it."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from nn.playground import MAX_REQUEST_BYTES, Playground, make_server


@pytest.fixture
def server():
    server = make_server(Playground(hidden=(4,)), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.session.pause()
    server.shutdown()
    server.server_close()


def request(server, method, path, body=None, headers=None):
    port = server.server_address[1]
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def command(server, content, headers=None):
    body = json.dumps(content).encode()
    status, _, data = request(server, 'POST', '/api/command', body,
                              {'Content-Type': 'application/json', **(headers or {})})
    return status, json.loads(data)


def state(server):
    status, headers, data = request(server, 'GET', '/api/state')
    assert status == 200 and headers['Content-Type'] == 'application/json'
    return json.loads(data)['state']


def test_serves_the_page_its_script_and_its_style(server):
    status, headers, page = request(server, 'GET', '/')
    assert status == 200 and headers['Content-Type'].startswith('text/html')
    assert b'/playground_live.js' in page and b'"mode":"live"' in page
    for path, kind in (('/playground.js', 'text/javascript'), ('/playground_live.js', 'text/javascript'),
                       ('/playground.css', 'text/css')):
        status, headers, data = request(server, 'GET', path)
        assert status == 200 and headers['Content-Type'].startswith(kind) and data
    for _, headers, _ in (request(server, 'GET', '/'), request(server, 'GET', '/api/state')):
        assert not any(name.lower().startswith('access-control') for name in headers)


def test_commands_drive_the_shared_session(server):
    assert state(server)['step'] == 0
    version = server.version
    status, reply = command(server, {'action': 'step'})
    assert status == 200 and reply['ok'] is True and reply['version'] > version
    assert state(server)['step'] == 1
    # A second client (another tab) sees the same run.
    assert state(server)['step'] == server.session.playground.steps == 1
    status, reply = command(server, {'action': 'configure', 'settings': {'lr': '0.01'}})
    assert status == 200 and reply['ok']
    assert state(server)['settings']['lr'] == 0.01


def test_state_since_a_version_is_short_when_nothing_changed(server):
    _, _, data = request(server, 'GET', '/api/state')
    version = json.loads(data)['version']
    _, _, data = request(server, 'GET', f'/api/state?since={version}')
    assert json.loads(data) == {'version': version}
    command(server, {'action': 'step'})
    _, _, data = request(server, 'GET', f'/api/state?since={version}')
    assert json.loads(data)['state']['step'] == 1


@pytest.mark.parametrize('settings, words', [
    ({'lr': -1}, 'learning rate must be > 0'),
    ({'lr': 'NaN'}, 'learning rate must be a finite number'),
    ({'hidden': '0'}, 'neurons per layer must be from 1 to 64'),
    ({'hidden': '10000'}, 'neurons per layer must be from 1 to 64'),
    ({'dataset': 'mnist'}, "unknown dataset 'mnist'"),
    ({'lr': "__import__('os').system('touch /tmp/pwned')"}, 'learning rate must be a number'),
])
def test_bad_settings_get_a_message_and_change_nothing(server, settings, words):
    before = state(server)
    status, reply = command(server, {'action': 'configure', 'settings': settings})
    assert status == 200 and reply['ok'] is False and words in reply['error']
    after = state(server)
    assert after['settings'] == before['settings'] and after['step'] == before['step']
    assert request(server, 'GET', '/')[0] == 200  # still up


def test_unknown_actions_are_refused(server):
    status, reply = command(server, {'action': 'eval', 'code': '1 + 1'})
    assert status == 200 and reply['ok'] is False and "unknown action 'eval'" in reply['error']


def test_cross_origin_requests_are_refused(server):
    status, reply = command(server, {'action': 'step'}, {'Origin': 'http://evil.example'})
    assert status == 403 and 'cross-origin' in reply['error']
    status, _, _ = request(server, 'GET', '/api/state', headers={'Sec-Fetch-Site': 'cross-site'})
    assert status == 403
    assert state(server)['step'] == 0


def test_the_page_own_origin_is_accepted(server):
    port = server.server_address[1]
    status, reply = command(server, {'action': 'step'}, {'Origin': f'http://127.0.0.1:{port}',
                                                         'Sec-Fetch-Site': 'same-origin'})
    assert status == 200 and reply['ok']


def test_other_host_names_are_refused(server):
    """A web page whose name resolves to 127.0.0.1 (DNS rebinding) is not this server."""
    status, reply = command(server, {'action': 'step'}, {'Host': 'evil.example'})
    assert status == 403 and 'Host' in reply['error']
    assert request(server, 'GET', '/', headers={'Host': 'evil.example:80'})[0] == 403
    assert state(server)['step'] == 0


def test_oversized_requests_are_refused_unread(server):
    body = json.dumps({'action': 'step', 'padding': 'x' * (MAX_REQUEST_BYTES + 10)}).encode()
    status, _, data = request(server, 'POST', '/api/command', body, {'Content-Type': 'application/json'})
    assert status == 413 and str(MAX_REQUEST_BYTES) in json.loads(data)['error']
    assert state(server)['step'] == 0


def test_malformed_requests_are_refused(server):
    port = server.server_address[1]
    status, _, data = request(server, 'POST', '/api/command', b'{"action": "st',
                              {'Content-Type': 'application/json'})
    assert status == 400 and 'JSON' in json.loads(data)['error']
    status, _, _ = request(server, 'POST', '/api/command', b'action=step',
                           {'Content-Type': 'application/x-www-form-urlencoded'})
    assert status == 415
    # No Content-Length at all: a raw request, since http.client always adds one.
    with socket.create_connection(('127.0.0.1', port), timeout=20) as raw:
        raw.sendall(f'POST /api/command HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n'
                    f'Content-Type: application/json\r\n\r\n'.encode())
        assert raw.recv(100).split()[1] == b'411'
    assert request(server, 'GET', '/../../etc/passwd')[0] == 404
    assert request(server, 'POST', '/api/state', b'{}', {'Content-Type': 'application/json'})[0] == 404
    assert state(server)['step'] == 0


def test_play_and_pause_over_http(server):
    assert command(server, {'action': 'play'})[1]['ok']
    deadline = time.monotonic() + 20
    while state(server)['step'] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state(server)['running'] is True
    assert command(server, {'action': 'pause'})[1]['ok']
    stopped = state(server)
    time.sleep(0.3)
    assert stopped['running'] is False and state(server)['step'] == stopped['step'] >= 3


# -- the command ----------------------------------------------------------


def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, '-m', 'nn', 'playground', '--no-browser', *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize('args, words', [
    (['--lr', '-1'], 'learning rate must be > 0'),
    (['--lr', 'abc'], 'learning rate must be a number'),
    (['--hidden', '10000'], 'neurons per layer must be from 1 to 64, got 10000'),
    (['--hidden', '0'], 'neurons per layer must be from 1 to 64, got 0'),
    (['--dataset', 'mnist'], "unknown dataset 'mnist'"),
])
def test_command_line_settings_are_checked(args, words):
    result = run_cli('--port', '0', *args)
    assert result.returncode == 2
    assert words in result.stderr and 'Traceback' not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        result = run_cli('--port', str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert 'is in use' in result.stderr and 'Traceback' not in result.stderr


def test_ctrl_c_stops_cleanly_and_writes_the_recording(tmp_path):
    record = tmp_path / 'run.html'
    process = subprocess.Popen(
        [sys.executable, '-m', 'nn', 'playground', '--no-browser', '--port', '0', '--hidden', '4',
         '--record', str(record)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith('playground at http://127.0.0.1:')
        url = line.split()[2]
        port = int(url.rsplit(':', 1)[1].strip('/'))
        connection = http.client.HTTPConnection('127.0.0.1', port, timeout=20)
        connection.request('POST', '/api/command', json.dumps({'action': 'step'}),
                           {'Content-Type': 'application/json'})
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert 'stopped the playground server' in out and err == ''
    assert os.path.exists(record) and '"mode":"recording"' in record.read_text()


def test_an_error_inside_a_handler_is_one_line_not_a_traceback(server, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError('boom')

    handler = server.RequestHandlerClass
    original = handler.do_GET
    handler.do_GET = broken
    try:
        status, _, data = request(server, 'GET', '/')  # a reply, not a closed connection
        assert status == 500 and json.loads(data) == {'ok': False, 'error': 'internal error'}
    finally:
        handler.do_GET = original
    time.sleep(0.2)  # the handler thread writes after the connection closes
    error = capsys.readouterr().err
    assert 'Traceback' not in error
    assert error.strip() == 'playground: error while answering 127.0.0.1: RuntimeError: boom'
