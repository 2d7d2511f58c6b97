"""The commands under careless and hostile use: nothing finished is lost, nothing
that is not a regular file is written over, and a bad option is a usage error.

- An output path that cannot be a file (a device, FIFO, socket, folder, a
  missing folder, a folder that is a file) is refused while the options are
  read: exit status 2, one line, before any work, and the thing is left alone.
- Every command reads numbers by the same rule (autograd._options): what one
  refuses, all refuse.
- `nn gpt` refuses a temperature that cannot sample before training, and
  saves the model before it samples.
- SIGTERM cleans up as Ctrl-C does: no hidden `.run.new-*` folder, no
  temporary file, and the playground writes its recording.
"""

import http.client
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, strategies as st

import autograd.__main__ as draw_cli
import nn
import nn.__main__ as nn_cli
import nn.run_folder
from autograd._options import OptionError, read_int, read_number
from special_files import MAKERS, WORDS, kind, special


def one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'Traceback' not in err, err
    return err


@pytest.fixture
def no_work(monkeypatch):
    """Every command's work fails the test if it starts: refusals must come first."""
    def started(*args, **kwargs):
        raise AssertionError('the work started')

    monkeypatch.setattr(draw_cli, 'evaluate', started)
    monkeypatch.setattr(nn, 'fit', started)
    monkeypatch.setattr(nn.gpt, 'train', started)
    monkeypatch.setattr(nn.playground, 'serve', started)


def outputs_for(name, folder):
    """The command lines that write the path `name` in `folder`."""
    path = os.path.join(folder, name)
    return [(draw_cli.main, ['draw', 'x*x', 'x=2', '-o', path]),
            (draw_cli.main, ['draw', 'x*x', 'x=2', '--steps', path]),
            (nn_cli.main, ['playground', '--no-browser', '--record', path])]


# --------------------------------------------------------------------------
# Output paths: refused while the options are read


@pytest.mark.parametrize('name', sorted(MAKERS))
def test_an_output_that_is_a_device_fifo_or_socket_is_a_usage_error(tmp_path, capsys, no_work, name):
    path = special(name, tmp_path, 'out.svg')  # a drawing's name: refused for what it is, not its format
    before = kind(path)
    for main, arguments in outputs_for(os.path.basename(path), tmp_path):
        assert main(arguments) == 2, arguments
        err = one_line_error(capsys)
        assert f'cannot write {str(path)!r}: it is a' in err and WORDS[name] in err
        assert kind(path) == before and os.listdir(tmp_path) == [os.path.basename(path)]


@pytest.mark.parametrize('name, words', [
    ('folder', 'it is a folder'),
    ('', 'the path is empty'),
    ('missing/out.html', 'does not exist'),
    ('plain.txt/out.html', 'plain.txt is a file, not a folder'),
    ('new/', 'names a folder'),
])
def test_an_output_that_cannot_be_a_file_is_a_usage_error(tmp_path, capsys, no_work, monkeypatch,
                                                          name, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'folder').mkdir()
    (tmp_path / 'plain.txt').write_text('kept')
    for main, arguments in outputs_for(name, '' if not name else str(tmp_path)):
        if not name:
            arguments[-1] = ''
        assert main(arguments) == 2, arguments
        assert words in one_line_error(capsys)
    assert sorted(os.listdir(tmp_path)) == ['folder', 'plain.txt']
    assert os.listdir(tmp_path / 'folder') == [] and (tmp_path / 'plain.txt').read_text() == 'kept'


def test_draw_through_a_link_replaces_the_target_and_keeps_the_link(tmp_path, capsys):
    target = tmp_path / 'kept.dot'
    target.write_text('old')
    link = tmp_path / 'graph.dot'
    link.symlink_to('kept.dot')
    assert draw_cli.main(['draw', 'x*x', 'x=2', '-o', str(link)]) == 0
    assert kind(link) == ('link', 'kept.dot') and target.read_text().startswith('digraph')
    capsys.readouterr()


@pytest.mark.parametrize('command', ['train', 'gpt'])
@pytest.mark.parametrize('name', sorted(MAKERS))
def test_a_run_refuses_a_special_file_among_its_outputs_and_keeps_it(tmp_path, capsys, no_work, command, name):
    folder = tmp_path / 'run'
    folder.mkdir()
    path = special(name, folder, 'model.json')
    before = kind(path)
    assert nn_cli.main([command, '--no-progress', '--out', str(folder)]) == 2
    assert f'{path} is a {WORDS[name]}' in one_line_error(capsys)
    assert os.listdir(folder) == ['model.json'] and kind(path) == before


def test_the_library_run_folder_refuses_a_fifo_too(tmp_path):
    # The default folder (runs/<dataset>) is not an option, so nn.run_folder.output_folder checks again.
    os.mkfifo(tmp_path / 'loss.png')
    with pytest.raises(OSError, match='loss.png is a FIFO'):
        with nn.run_folder.output_folder(tmp_path, nn_cli.OUTPUTS):
            raise AssertionError('the work started')
    assert os.listdir(tmp_path) == ['loss.png'] and kind(tmp_path / 'loss.png') == ('fifo',)


@pytest.mark.parametrize('command', ['train', 'gpt'])
def test_a_run_folder_that_is_a_file_or_empty_is_a_usage_error(tmp_path, capsys, no_work, command):
    (tmp_path / 'plain.txt').write_text('kept')
    assert nn_cli.main([command, '--out', str(tmp_path / 'plain.txt')]) == 2
    assert "plain.txt' is a file, not a folder" in one_line_error(capsys)
    assert nn_cli.main([command, '--out', '']) == 2
    assert 'the output folder is empty' in one_line_error(capsys)
    assert os.listdir(tmp_path) == ['plain.txt']


# --------------------------------------------------------------------------
# Numbers: one rule for every command

INTEGER_OPTIONS = [
    (nn_cli.main, ['train', '--steps']), (nn_cli.main, ['gpt', '--samples']),
    (nn_cli.main, ['playground', '--no-browser', '--n']),
    (nn_cli.main, ['playground', '--no-browser', '--seed']),
    (nn_cli.main, ['playground', '--no-browser', '--port']),
    (draw_cli.main, ['draw', 'x', 'x=1', '-o', 'g.dot', '--max-nodes']),
]
NUMBER_OPTIONS = [
    (nn_cli.main, ['train', '--lr']), (nn_cli.main, ['gpt', '--temperature']),
    (nn_cli.main, ['playground', '--no-browser', '--lr']),
    (draw_cli.main, ['draw', 'x', 'x=1', '-o', 'g.dot', '--timeout']),
]


@pytest.mark.parametrize('text', ['١٦', '1_6', '+5', ' 5', '16.0', '1e1', '0x10', '', '٣٢,16'])
def test_every_command_refuses_the_same_integers(tmp_path, monkeypatch, capsys, no_work, text):
    monkeypatch.chdir(tmp_path)
    for main, arguments in INTEGER_OPTIONS:
        assert main([*arguments, text]) == 2, (arguments, text)
        one_line_error(capsys)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('text', ['١٦', '1_6', '+5', '16.0', '0x10', '16,', '16,,4', '1 6', '٣٢,16', '16;4'])
def test_train_and_the_playground_refuse_the_same_layer_sizes(tmp_path, monkeypatch, capsys, no_work, text):
    monkeypatch.chdir(tmp_path)
    for command in (['train'], ['playground', '--no-browser']):
        assert nn_cli.main([*command, '--hidden', text]) == 2, (command, text)
        one_line_error(capsys)


@pytest.mark.parametrize('text', ['١', '0.0_5', ' 0.5', '0.5 ', 'inf', '-inf', 'nan', '1e999', '0x1p-2',
                                  '½', '', '0,5'])
def test_every_command_refuses_the_same_numbers(tmp_path, monkeypatch, capsys, no_work, text):
    monkeypatch.chdir(tmp_path)
    for main, arguments in NUMBER_OPTIONS:
        assert main([*arguments, text]) == 2, (arguments, text)
        one_line_error(capsys)
    if text == text.strip():  # NAME=VALUE allows spaces around the '=', as 'x = 2'
        assert draw_cli.main(['draw', 'x', f'x={text}', '-o', 'g.dot']) == 2  # an input's value too
        one_line_error(capsys)
    assert os.listdir(tmp_path) == []


def test_the_numbers_that_are_taken_mean_the_same_everywhere(monkeypatch):
    served = []
    monkeypatch.setattr(nn.playground, 'serve', lambda playground, **options: served.append(playground))
    options = ['--hidden', ' 12, 3', '--lr', '1e-2', '--n', '40']  # spaces around a size: both take them
    assert nn_cli.main(['playground', '--no-browser', *options]) == 0
    settings = served[0].settings
    arguments = nn_cli.build_parser().parse_args(['train', *options])
    assert (settings['hidden'], settings['lr'], settings['n']) == (tuple(arguments.hidden), arguments.lr,
                                                                    arguments.n) == ((12, 3), 0.01, 40)


@pytest.mark.parametrize('main, arguments, words', [
    (nn_cli.main, ['playground', '--port', '99999'], 'argument --port: must be an integer from 0 to 65535, got 99999'),
    (nn_cli.main, ['playground', '--port', '-1'], 'argument --port: must be an integer from 0 to 65535, got -1'),
    (draw_cli.main, ['draw', 'x', 'x=1', '-o', 'g.dot', '--max-nodes', '-5'],
     'argument --max-nodes: must be a positive integer, got -5'),
    (draw_cli.main, ['draw', 'x', 'x=1', '-o', 'g.dot', '--max-nodes', '0'],
     'argument --max-nodes: must be a positive integer, got 0'),
    (draw_cli.main, ['draw', 'x', 'x=1', '-o', 'g.dot', '--timeout', '0'],
     'argument --timeout: must be a finite number > 0, got 0'),
])
def test_an_option_out_of_range_is_a_usage_error_not_an_internal_one(tmp_path, monkeypatch, capsys, no_work,
                                                                     main, arguments, words):
    monkeypatch.chdir(tmp_path)
    assert main(arguments) == 2
    assert words in one_line_error(capsys)


@given(st.integers(min_value=-10**29, max_value=10**29))
def test_read_int_reads_what_str_writes(number):
    assert read_int(str(number)) == number


@given(st.floats())
def test_read_number_reads_what_repr_writes(number):
    value = read_number(repr(number))
    assert value == number or (math.isnan(value) and math.isnan(number))


@given(st.text(alphabet='0123456789-+_ .e١٢', max_size=6))
def test_read_int_takes_exactly_ascii_digits_with_an_optional_minus(text):
    digits = text[1:] if text.startswith('-') else text
    plain = digits != '' and all(character in '0123456789' for character in digits)
    try:
        assert read_int(text) == int(text) and plain
    except OptionError:
        assert not plain


# --------------------------------------------------------------------------
# nn gpt: a temperature that cannot sample is refused before training; the
# model is saved before sampling


def test_a_temperature_too_small_to_sample_is_refused_before_training(tmp_path, capsys, no_work):
    out = tmp_path / 'gpt'
    assert nn_cli.main(['gpt', '--temperature', '1e-320', '--out', str(out)]) == 2
    err = one_line_error(capsys)
    assert 'argument --temperature: must be at least 5.6e-301, got 1e-320' in err
    assert not out.exists()


def test_the_smallest_temperature_samples_finitely_and_half_of_it_does_not():
    from autograd import Value
    from nn.gpt import softmax

    # The oracle is IEEE arithmetic: a logit of LOGIT_LIMIT over the bound is
    # at most the largest float; over half the bound it is not a float.
    limit, smallest = nn_cli.LOGIT_LIMIT, nn_cli.MIN_TEMPERATURE
    assert limit / smallest <= sys.float_info.max and limit / (smallest / 2) == math.inf
    logits = [Value(limit), Value(-limit), Value(0.0), Value(limit / 2)]
    probs = [p.data for p in softmax([logit / smallest for logit in logits])]
    assert all(math.isfinite(p) for p in probs) and probs[0] == 1.0 and sum(probs) == 1.0
    assert nn.GPT(27, seed=0).sample(count=2, temperature=smallest, seed=0)  # a real model samples


def test_a_sampling_failure_after_training_keeps_the_trained_model(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise OverflowError('math range error')

    monkeypatch.setattr(nn.GPT, 'sample', broken)
    out = tmp_path / 'gpt'
    assert nn_cli.main(['gpt', '--steps', '1', '--samples', '1', '--no-progress', '--out', str(out)]) == 1
    err = one_line_error(capsys)
    assert 'sampling failed (math range error); the model is saved in' in err
    assert sorted(os.listdir(out)) == ['loss.png', 'model.json']
    assert nn.load(out / 'model.json').num_parameters() == 4192


# --------------------------------------------------------------------------
# SIGTERM cleans up as Ctrl-C does


def start(arguments, cwd):
    return subprocess.Popen([sys.executable, '-m', *arguments], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition, process, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)


@pytest.mark.parametrize('command, outputs', [
    (['train', '--steps', '1000000', '--no-progress'], nn_cli.OUTPUTS),
    (['gpt', '--steps', '1000000', '--no-progress'], nn_cli.GPT_OUTPUTS),
])
def test_sigterm_during_a_run_leaves_the_old_files_and_no_hidden_folder(tmp_path, command, outputs):
    folder = tmp_path / 'run'
    folder.mkdir()
    for name in outputs:
        (folder / name).write_text(f'old {name}')
    process = start(['nn', *command, '--out', str(folder)], tmp_path)
    try:
        wait_for(lambda: any(name.startswith('.run.new-') for name in os.listdir(folder)), process)
        time.sleep(0.5)  # into the training
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143 and err.endswith('error: terminated\n'), err
    assert {name: (folder / name).read_text() for name in os.listdir(folder)} == {
        name: f'old {name}' for name in outputs}


def test_sigterm_stops_the_playground_and_writes_the_recording(tmp_path):
    record = tmp_path / 'run.html'
    process = start(['nn', 'playground', '--no-browser', '--port', '0', '--hidden', '4',
                     '--record', str(record)], tmp_path)
    try:
        url = process.stdout.readline().split()[2]
        connection = http.client.HTTPConnection('127.0.0.1', int(url.rsplit(':', 1)[1].strip('/')), timeout=20)
        connection.request('POST', '/api/command', json.dumps({'action': 'step'}),
                           {'Content-Type': 'application/json'})
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and err == '', err
    assert f'wrote {record}' in out and '"mode":"recording"' in record.read_text()


def test_sigterm_while_drawing_leaves_no_temporary_and_restores_the_handler(tmp_path, monkeypatch, capsys):
    before = signal.getsignal(signal.SIGTERM)
    real_fsync = os.fsync

    def fsync_then_sigterm(descriptor):  # the data is in the temporary file by now
        real_fsync(descriptor)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, 'fsync', fsync_then_sigterm)
    assert draw_cli.main(['draw', 'x*x', 'x=2', '-o', str(tmp_path / 'g.dot')]) == 143
    assert 'terminated; nothing was written' in one_line_error(capsys)
    assert os.listdir(tmp_path) == [] and signal.getsignal(signal.SIGTERM) == before
