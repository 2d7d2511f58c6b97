"""The playground under hostile and careless use: malformed requests over raw
sockets, clients that stop sending, too many connections, a run that
diverges, settings that cost too much, Pause during a long step.
The server listens on 127.0.0.1 only; every count and wait is bounded."""

import json
import math
import socket
import threading
import time

import pytest

import nn.playground.server as server_module
from nn.playground import Playground, SettingsError, check_settings, make_server
from nn.playground.session import Session
from nn.playground.view import _std, layer_stats


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(server_module, 'IDLE_SECONDS', 1.0)
    monkeypatch.setattr(server_module, 'REQUEST_SECONDS', 2.5)
    server = make_server(Playground(hidden=(4,)), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.session.pause()
    server.shutdown()
    server.server_close()


def connect(server):
    return socket.create_connection(('127.0.0.1', server.server_address[1]), timeout=20)


def read_reply(connection):
    """Everything the server sends until it closes: (status, JSON body or None)."""
    data = b''
    while chunk := connection.recv(65536):
        data += chunk
    assert data.startswith(b'HTTP/1.0 '), data[:80]
    head, _, body = data.partition(b'\r\n\r\n')
    status = int(head.split()[1])
    return status, (json.loads(body) if body.startswith(b'{') else None)


def exchange(server, data):
    """Send raw bytes, say nothing more, read the reply."""
    with connect(server) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        return read_reply(connection)


def post(server, body, headers=b'Content-Type: application/json\r\n'):
    host = b'Host: 127.0.0.1:%d\r\n' % server.server_address[1]
    return b'POST /api/command HTTP/1.1\r\n' + host + headers + body


# --------------------------------------------------------------------------
# Every request gets an HTTP reply


def test_a_length_in_superscript_digits_is_a_400_not_a_closed_connection(server):
    # '²'.isdigit() is True, int('²') raises: the connection used to close with no reply.
    request = post(server, b'{}', 'Content-Type: application/json\r\nContent-Length: ²\r\n\r\n'.encode('latin-1'))
    status, reply = exchange(server, request)
    assert status == 400 and 'Content-Length' in reply['error']


def test_a_body_nested_too_deep_for_json_is_a_400(server):
    body = b'[' * 16_000  # json.loads raises RecursionError, not ValueError
    status, reply = exchange(server, post(server, body, b'Content-Type: application/json\r\n'
                                                        b'Content-Length: 16000\r\n\r\n'))
    assert status == 400 and reply['error'] == 'a command must be a JSON object'


MALFORMED = [  # (what, request, status) beyond the two cases above
    ('a blank request line', b'\r\n\r\n', 400),
    ('spaces for a request line', b'   \r\n\r\n', 400),
    ('HTTP/0.9, which has no status line', b'GET /\r\n', 400),
    ('an HTTP/0.9 POST', b'POST /api/command\r\n', 400),
    ('one word', b'GARBAGE\r\n\r\n', 400),
    ('a version that is not HTTP', b'GET / HTTQ/1.1\r\n\r\n', 400),
    ('HTTP/2 over plain text', b'GET / HTTP/2.0\r\n\r\n', 505),
    ('an unknown method', b'BREW / HTTP/1.1\r\n\r\n', 501),
    ('a request line past 64 KiB', b'GET /' + b'a' * 70_000 + b' HTTP/1.1\r\n\r\n', 414),
    ('a header past 64 KiB', b'GET / HTTP/1.1\r\nX-Long: ' + b'a' * 70_000 + b'\r\n\r\n', 431),
    ('200 headers', b'GET / HTTP/1.1\r\n' + b''.join(b'X-%d: 1\r\n' % i for i in range(200)) + b'\r\n', 431),
    ('a header line without a colon', b'GET / HTTP/1.1\r\nnocolon\r\n\r\n', 400),
    ('a header with no name', b'GET / HTTP/1.1\r\n: value\r\n\r\n', 400),
    ('a folded header', b'GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n', 400),
]


@pytest.mark.parametrize('what, request_bytes, status', MALFORMED, ids=[case[0] for case in MALFORMED])
def test_a_malformed_request_gets_a_4xx_reply(server, what, request_bytes, status):
    got, reply = exchange(server, request_bytes)
    assert got == status and reply['ok'] is False and reply['error']


MALFORMED_BODIES = [  # (what, headers and body, status)
    ('a negative length', b'Content-Length: -5\r\n\r\n', 400),
    ('a length of 100 digits', b'Content-Length: ' + b'9' * 100 + b'\r\n\r\n', 400),
    ('two lengths', b'Content-Length: 2\r\nContent-Length: 20\r\n\r\n{}', 400),
    ('a chunked body', b'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400),
    ('a body shorter than its length, then the end', b'Content-Length: 100\r\n\r\n{"action"', 400),
    ('a body that is not UTF-8', b'Content-Length: 4\r\n\r\n\xff\xfe{}', 400),
    ('a number too long for int()', b'Content-Length: 5010\r\n\r\n' + b'9' * 5010, 400),
]


@pytest.mark.parametrize('what, rest, status', MALFORMED_BODIES, ids=[case[0] for case in MALFORMED_BODIES])
def test_a_malformed_command_gets_a_4xx_reply(server, what, rest, status):
    got, reply = exchange(server, post(server, b'', b'Content-Type: application/json\r\n' + rest))
    assert got == status and reply['ok'] is False and reply['error']


def test_a_client_that_stops_sending_gets_408_and_frees_its_thread(server):
    with connect(server) as headers_cut, connect(server) as body_cut:
        headers_cut.sendall(b'POST /api/command HTTP/1.1\r\nHost: 127')
        body_cut.sendall(post(server, b'{"action":', b'Content-Type: application/json\r\n'
                                                    b'Content-Length: 100\r\n\r\n'))
        started = time.monotonic()
        assert read_reply(headers_cut)[0] == 408 and read_reply(body_cut)[0] == 408
        assert time.monotonic() - started < 10  # IDLE_SECONDS is 1 here


def test_a_client_that_sends_a_byte_a_second_is_cut_off_at_the_request_deadline(server):
    # Each byte comes well within IDLE_SECONDS; the request as a whole is limited.
    with connect(server) as connection:
        started = time.monotonic()
        try:
            for byte in b'GET / HTTP/1.1\r\nX-Slow: ' + b'a' * 40:
                connection.send(bytes([byte]))
                time.sleep(0.4)
        except OSError:  # the server has replied and closed
            pass
        assert read_reply(connection)[0] == 408
        assert time.monotonic() - started < 10  # REQUEST_SECONDS is 2.5 here


def test_connections_are_bounded_and_the_extra_ones_get_503_at_once(server):
    limit = server_module.MAX_CONNECTIONS
    sockets = [connect(server) for _ in range(limit + 8)]  # all silent
    try:
        started = time.monotonic()
        statuses = [read_reply(connection)[0] for connection in sockets]
        assert statuses.count(503) == 8 and statuses.count(408) == limit
        assert time.monotonic() - started < 15
    finally:
        for connection in sockets:
            connection.close()
    # The slots are free again: an ordinary request is served.
    host = b'Host: 127.0.0.1:%d\r\n' % server.server_address[1]
    assert exchange(server, b'GET /api/state HTTP/1.1\r\n' + host + b'\r\n')[0] == 200
