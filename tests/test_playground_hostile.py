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
    monkeypatch.setattr(server_module, 'IDLE_SECONDS', 1.0, raising=False)
    monkeypatch.setattr(server_module, 'REQUEST_SECONDS', 1.5, raising=False)
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
    limit = getattr(server_module, 'MAX_CONNECTIONS', 32)
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


# --------------------------------------------------------------------------
# Divergence: reported, paused, consistent; statistics in IEEE arithmetic


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.05)


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-9)


HOSTILE_SAMPLES = [
    [1e154, -1e154, 3.0],          # (x - mu) ** 2 raised OverflowError here
    [1e308, 1e308],                # the sum overflows
    [1e200, -1e200, 1e200],
    [math.inf, 1.0], [-math.inf, math.inf], [math.nan, 2.0], [math.inf, math.inf],
    [0.5, -0.25, 2.0, 7.0], [], [3.0],
]


@pytest.mark.parametrize('xs', HOSTILE_SAMPLES, ids=str)
def test_the_standard_deviation_is_numpys_in_ieee_arithmetic(xs):
    np = pytest.importorskip('numpy')
    with np.errstate(all='ignore'):
        expected = float(np.std(np.array(xs, dtype=float))) if xs else 0.0
    assert same_float(_std(xs), expected)


def test_layer_statistics_of_huge_outputs_are_none_in_json_not_an_exception():
    from autograd import Value

    rows = [[Value(1e154), Value(0.0)], [Value(-1e154), Value(math.nan)]]
    for sign, row in zip((1, -1), rows):
        for node in row:
            node.grad = sign * 1e200  # mean 0, squares past the float range
    stats = layer_stats('layers.0', rows, 'tanh')
    json.dumps(stats.__dict__, allow_nan=False)  # JSON has no inf or nan
    assert stats.std is None and stats.grad_std is None and stats.flagged == [0]


def test_a_diverging_run_stops_with_a_message_and_its_counter_history_and_weights_agree():
    settings = dict(optimizer='sgd', lr=10, loss='mse')
    pg = Playground(**settings)
    loss = pg.step(10)  # raised OverflowError at step 5, with the counter at 4
    assert pg.message.startswith(f'training diverged at step {pg.steps} (the loss became')
    assert loss > 1e30 and pg.steps < 10 and len(pg.history.loss) == pg.steps
    json.dumps(pg.state(), allow_nan=False)
    again = Playground(**settings)  # the same run, one step at a time
    for _ in range(pg.steps):
        again.step()
    assert [p.data for p in again.model.parameters()] == [p.data for p in pg.model.parameters()]
    assert again.history.loss == pg.history.loss


def test_a_weight_that_becomes_nan_is_divergence_too():
    pg = Playground(hidden=(4,))
    pg.model.parameters()[0].data = math.nan
    pg.step(5)
    assert pg.steps == 1 and 'diverged at step 1' in pg.message


def test_the_server_reports_divergence_and_pauses(server):
    session = server.session
    assert session.handle({'action': 'configure', 'settings': {'optimizer': 'sgd', 'lr': 10, 'loss': 'mse',
                                                                'hidden': '16,16'}})['ok']
    assert session.handle({'action': 'play'})['ok']
    wait_for(lambda: not session.running)
    session._thread.join(20)
    assert not session._thread.is_alive()
    with server.latest_lock:
        state = json.loads(server.latest[1])
    assert state['running'] is False and 'diverged' in state['message']
    assert state['step'] == len(state['history']['loss']) == session.playground.steps
    assert session.handle({'action': 'step'})['ok']  # a command after it gets its reply


def test_an_error_inside_a_step_pauses_with_a_message_not_a_dead_thread():
    pg = Playground(hidden=(4,))
    original, calls = pg._train_step, []

    def failing():
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('boom')
        return original()

    pg._train_step = failing
    session = Session(pg)
    session.play()
    wait_for(lambda: not session.running, 20)
    session._thread.join(20)
    assert not session._thread.is_alive()
    assert pg.message == 'training stopped at step 2: internal error (RuntimeError: boom)'
    assert session.current()['running'] is False


# --------------------------------------------------------------------------
# The cost of a step the page may choose; Pause during a long step


@pytest.mark.parametrize('changes, words', [
    ({'hidden': '64,64,64,64', 'n': 500, 'dataset': 'spirals'}, '12,867 parameters; at most 2,500'),  # 3*64 + 3*65*64 + 65*3
    ({'hidden': '48,48'}, '2,545 parameters; at most 2,500'),
    ({'hidden': '16,16', 'n': 500}, '500 points per step x 337 parameters = 168,500; at most 100,000'),
    ({'hidden': '32,32,32', 'n': 100, 'dataset': 'spirals'}, '100 points per step x 2,307 parameters'),
])
def test_settings_that_make_a_step_too_slow_are_refused_naming_the_limit(changes, words):
    with pytest.raises(SettingsError, match=words.replace('(', r'\(')):
        check_settings(changes)


def test_the_cost_counts_the_batch_not_the_dataset():
    assert check_settings({'hidden': '16,16', 'n': 500, 'batch_size': 200})['batch_size'] == 200
    with pytest.raises(SettingsError, match='300 points per step'):
        check_settings({'hidden': '16,16', 'n': 500, 'batch_size': 300})


def test_a_refused_cost_through_the_page_is_an_answer_and_changes_nothing(server):
    reply = server.session.handle({'action': 'configure', 'settings': {'hidden': '64,64,64,64', 'n': '500'}})
    assert reply['ok'] is False and 'parameters; at most' in reply['error']
    assert server.session.playground.settings['hidden'] == (4,)


def test_the_largest_network_allowed_sends_a_state_of_bounded_size():
    pg = Playground(hidden=(32, 32, 32), n=43, dataset='spirals')  # 2,307 parameters x 43 points
    pg.step()
    assert len(json.dumps(pg.state(full_graph=True))) < 2_000_000  # 8.5 MB before the limits


def test_pause_waits_for_the_step_in_flight_and_play_never_trains_twice(monkeypatch):
    pg = Playground(hidden=(4,))
    original = pg._train_step

    def slow_step():
        time.sleep(0.6)  # a step far longer than any wait Pause allows below
        return original()

    pg._train_step = slow_step
    session = Session(pg)
    session.play()
    wait_for(lambda: session._thread is not None)
    time.sleep(0.1)  # a step is under way
    # Compress time: a join with a timeout gives up 100 times sooner (10 s -> 0.1 s).
    thread, join = session._thread, session._thread.join
    monkeypatch.setattr(thread, 'join', lambda timeout=None: join(None if timeout is None else timeout / 100),
                        raising=False)
    session.pause()
    steps = pg.steps
    assert not thread.is_alive()  # returned only once the step was done
    session.play()
    session.pause()
    time.sleep(0.8)
    assert pg.steps <= steps + 1 and not any(t.name == 'playground-training' and t.is_alive()
                                             for t in threading.enumerate())
