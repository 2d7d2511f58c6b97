"""The main command: `python -m nn train | gpt` (also installed as `backprop-lab`).

With no options it trains the network of micrograd's demo, an
MLP(2, [16, 16, 1]) with ReLU hidden layers, on 100 points of two moons
(noise 0.1, seed 0) with its hinge loss plus a 1e-4 L2 penalty, for 100
steps. The optimizer is Adam (lr 0.05) rather than the demo's SGD with a
linear decay from 1.0 to 0.1 (`--optimizer sgd`): on these moons the SGD run
leaves one point on the wrong side for seed 0, while Adam reached 100% for
every seed tried. It prints the final accuracy and writes into
runs/<dataset>/:

    model.json              the trained model (load it with nn.load)
    decision_boundary.png   the plane coloured by predicted class, with the data
    loss.png                loss and accuracy against the step (with --test-fraction,
                            on the held-out points too)
    graph.svg               the network on the point of largest loss: every weight, every neuron

`python -m nn gpt` trains nn.GPT, microgpt's model, on first names with
microgpt's settings (1,000 steps, one name each), prints 20 names sampled
at temperature 0.5, and writes runs/gpt/model.json and runs/gpt/loss.png.
"""

import argparse
import math
import os
import sys
import time

from autograd._files import NotAFileError, refuse_special, write_atomically
from autograd._options import OptionError, cut, integer, number, output_file, read_int, shown
from autograd._signals import EXIT_TERMINATED, Terminated, sigterm_as_interrupt

# Exit statuses: a usage error (bad options), a failure while running, Ctrl-C;
# SIGTERM gives EXIT_TERMINATED (143).
EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad options: the message is shown as is, on one line, with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line (no usage block) and exit status 2."""

    def error(self, message):
        raise UsageError(message)


# Options are parsed strictly, by the rule every command shares (see
# autograd._options): `--n +5`, `--hidden 1_6`, `--lr ' 0.1'` are errors,
# and nothing in them is dropped: `--hidden '1 6'` is not a layer of 16.
_positive_int = integer(minimum=1)
_int = integer()


def _fraction(text):
    """A number strictly between 0 and 1, as for --test-fraction."""
    value = number(above=0.0)(text)
    if not value < 1.0:
        raise OptionError(f'must be a number between 0 and 1 (both excluded), got {cut(text)}')
    return value


def _sizes(text):
    """'16,16' -> [16, 16]; '' -> [] (no hidden layer). Spaces around a size
    are allowed; an empty size ('16,', ',,,') or one with spaces inside is not."""
    if not text.strip():
        return []
    try:
        sizes = [read_int(part.strip()) for part in text.split(',')]
    except OptionError:
        raise OptionError(f"expected comma-separated layer sizes such as 16,16 (or '' for none), "
                          f"got {shown(text)}") from None
    if any(size < 1 for size in sizes):
        raise OptionError(f'layer sizes must be positive, got {shown(text)}')
    return sizes


def _output_folder(outputs):
    """The type of -o FOLDER: refuses at once, as a usage error, a folder
    that cannot hold the run's `outputs` (nn.run_folder.output_folder checks
    again, for the default folder too, before the run)."""
    def check(text):
        if not text:
            raise OptionError('the output folder is empty: give a folder name, or . for this one')
        if os.path.exists(text) and not os.path.isdir(text):
            raise OptionError(f'the output folder {shown(text, 300)} is a file, not a folder')
        for name in outputs:
            path = os.path.join(text, name)
            if os.path.isdir(path) and not os.path.islink(path):
                raise OptionError(f'{shown(path, 300)} is a folder; a run writes a file of that name')
            try:
                refuse_special(path)  # a device, FIFO or socket is not moved aside and deleted
            except NotAFileError as error:
                raise OptionError(error.strerror) from None
        return text

    check.__name__ = 'output folder'
    return check


def build_parser(prog=None):
    from .datasets import DATASETS
    from .losses import LOSSES
    from .module import ACTIVATIONS, INITS
    from .optim import OPTIMIZERS

    class _DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
        # Show '(default: ...)' only where there is a default worth showing;
        # the help text itself explains what None means for that option.
        def _get_help_string(self, action):
            if action.default is None or action.default is argparse.SUPPRESS:
                return action.help
            return super()._get_help_string(action)

    parser = _Parser(prog=prog, description='Train small neural networks made of autograd Values.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND', parser_class=_Parser)
    train = commands.add_parser(
        'train', help='train a classifier on a toy 2-D dataset',
        description=('Train an MLP on a toy 2-D dataset, print its final accuracy, and write '
                     'model.json, decision_boundary.png, loss.png and graph.svg into the output '
                     'folder. The defaults (micrograd\'s demo network and loss, trained with Adam) '
                     'reach 100% training accuracy on two moons.'),
        formatter_class=_DefaultsShown)
    train.add_argument('--dataset', choices=sorted(DATASETS), default='moons',
                       help='which toy dataset to learn')
    train.add_argument('--n', type=_positive_int, default=100, metavar='N',
                       help='number of points in the dataset')
    train.add_argument('--noise', type=number(minimum=0.0), default=None,
                       help="the dataset's noise (standard deviation); default: the dataset's own")
    train.add_argument('--classes', type=_int, default=None, metavar='K',
                       help='number of classes, for spirals and blobs (>= 2); default: 3')
    train.add_argument('--hidden', type=_sizes, default='16,16', metavar='SIZES',
                       help='hidden layer sizes, comma-separated (empty for none)')
    train.add_argument('--activation', choices=[a for a in ACTIVATIONS if a != 'linear'],
                       default=None, help='activation of the hidden layers (default: relu)')
    train.add_argument('--init', choices=INITS, default='uniform',
                       help="initial weights: uniform(-1, 1) as micrograd, or scaled by 1/sqrt(inputs)")
    train.add_argument('--loss', choices=['auto', *LOSSES], default='auto',
                       help='loss; auto is hinge for 2 classes, cross_entropy for more')
    train.add_argument('--optimizer', choices=sorted(OPTIMIZERS), default='adam', help='optimizer')
    train.add_argument('--lr', type=number(above=0.0), default=None,
                       help='learning rate; default: for sgd a linear decay from 1.0 to 0.1 '
                            'over the steps, for adam 0.05')
    train.add_argument('--steps', type=_positive_int, default=100, help='number of training steps')
    train.add_argument('--batch-size', type=_positive_int, default=None, metavar='B',
                       help='points per step; default: the whole dataset')
    train.add_argument('--l2', type=number(minimum=0.0), default=1e-4,
                       help='weight of the L2 penalty l2 * sum(w**2)')
    train.add_argument('--seed', type=_int, default=0,
                       help='seed for the data, the initial weights and the batches')
    train.add_argument('--test-fraction', type=_fraction, default=None, metavar='F',
                       help='hold out this fraction of the points (chosen by --seed) and report '
                            'the loss and accuracy on them too; default: train on all points')
    train.add_argument('-o', '--out', type=_output_folder(OUTPUTS), default=None, metavar='FOLDER',
                       help='output folder; default: runs/<dataset>')
    train.add_argument('--progress', action=argparse.BooleanOptionalAction, default=True,
                       help='show a progress bar')
    _add_gpt_command(commands, _DefaultsShown)
    add_playground_parser(commands)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status (0 on success).

    Every error is one line on stderr, `PROG: error: MESSAGE`, never a
    traceback: bad options exit with status 2, failures while running
    (an unwritable folder, a diverged training) with 1.
    """
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else 'backprop-lab'
    if prog in ('__main__.py', '-c', ''):
        prog = 'python -m nn'
    args = None
    try:
        # SIGTERM (kill, timeout) cleans up as Ctrl-C does: no hidden
        # `.run.new-*` folder is left, the playground writes its recording.
        with sigterm_as_interrupt():
            args = build_parser(prog).parse_args(argv)
            if args.command is None:
                raise UsageError('choose a command: train, gpt, playground')
            if args.command == 'playground':
                return run_playground(args, prog)
            if args.command == 'gpt':
                return _gpt(args)
            return _train(args)
    except UsageError as error:
        _fail(prog, error)
        return EXIT_USAGE
    except Terminated:
        _fail(prog, 'terminated')
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _fail(prog, 'interrupted')
        return EXIT_INTERRUPTED
    except MemoryError:  # what train's estimate did not foresee
        train = getattr(args, 'command', None) == 'train'
        _fail(prog, 'out of memory' + ('; try smaller --hidden, --n or --batch-size' if train else ''))
        return EXIT_FAILED
    except (ValueError, TypeError, OSError) as error:
        _fail(prog, error)
        return EXIT_FAILED
    except Exception as error:  # a bug: still one line, never a traceback
        _fail(prog, f'internal error ({type(error).__name__}): {error}')
        return EXIT_FAILED


# --------------------------------------------------------------------------
# python -m nn playground


def add_playground_parser(commands):
    """The `playground` subcommand: serve the live training page (nn/playground/)."""
    play = commands.add_parser(
        'playground', help='watch a network learn, live, in the browser',
        description=('Serve the playground page on this machine and open it in the browser: '
                     'Play, Step and Reset training, change the learning rate, dataset and '
                     'architecture, click a point to see its computation graph. Settings given '
                     'here are the starting ones; the page can change them. Ctrl-C stops it.'),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    play.add_argument('--port', type=integer(0, 65535), default=8000,
                      help='port to listen on (0: any free port)')
    play.add_argument('--host', default='127.0.0.1',
                      help='address to listen on; anything but localhost lets other machines in')
    play.add_argument('--no-browser', action='store_true', help='do not open a browser')
    play.add_argument('--record', type=output_file, default=None, metavar='FILE',
                      help='on exit (Ctrl-C or SIGTERM), save the run as one HTML page with a '
                           'slider (opens offline); checked before the server starts')
    # Checked by nn.playground.check_settings, the same rules as the page's form,
    # whose menus offer the same choices.
    from .playground import choices

    offered = {name: ', '.join(options[:-1]) + ' or ' + options[-1] for name, options in choices().items()}
    for name, default, text in [
            ('dataset', 'moons', offered['dataset']),
            ('hidden', '16,16', 'hidden layer sizes, comma-separated'),
            ('activation', 'relu', offered['activation']),
            ('loss', 'hinge', offered['loss'] + ' (cross_entropy for 3 classes)'),
            ('optimizer', 'adam', offered['optimizer']),
            ('lr', '0.05', 'learning rate'),
            ('batch-size', None, 'points per step; default: all'),
            ('n', '100', 'number of points'),
            ('noise', '0.1', "the dataset's noise"),
            ('seed', '0', 'seed of the data and the initial weights')]:
        play.add_argument(f'--{name}', default=default, help=text)


def run_playground(args, prog):
    """Check the settings, then serve until Ctrl-C; errors are one line, never a traceback."""
    from .playground import DEFAULTS, Playground, SettingsError, serve

    given = {'dataset': args.dataset, 'hidden': args.hidden, 'activation': args.activation,
             'loss': args.loss, 'optimizer': args.optimizer, 'lr': args.lr,
             'batch_size': args.batch_size, 'n': args.n, 'noise': args.noise, 'seed': args.seed}
    try:
        playground = Playground()
        # Only options that differ from the defaults count as asked for (3 spirals
        # then train with cross_entropy unless --loss says otherwise).
        playground.configure(**{name: value for name, value in given.items()
                                if value != _default_text(DEFAULTS[name])})
        serve(playground, host=args.host, port=args.port, open_browser=not args.no_browser,
              record=args.record)
    except SettingsError as error:
        print(f'{prog} playground: error: {error}', file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        reason = error.strerror or str(error)
        if getattr(error, 'errno', None) in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
            reason = f'port {args.port} is in use; try another with --port'
        print(f'{prog} playground: error: {reason}', file=sys.stderr)
        return EXIT_FAILED
    except Terminated:
        print(f'{prog} playground: terminated', file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(f'{prog} playground: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _default_text(value):
    if isinstance(value, tuple):
        return ','.join(map(str, value))
    return None if value is None else str(value)


def _fail(prog, message):
    text = ' '.join(str(message).split())  # one line, whatever the message held
    print(f'{prog}: error: {text}', file=sys.stderr)


# The files a run writes into its folder, as one set (see nn.run_folder.output_folder).
GPT_OUTPUTS = ('model.json', 'loss.png')
OUTPUTS = ('model.json', 'decision_boundary.png', 'loss.png', 'graph.svg')


def _train(args):
    import nn
    from nn.memory import TooLargeError, check_fits, estimate
    from nn.run_folder import output_folder

    if args.classes is not None and args.classes < 2:
        raise UsageError(f'--classes must be at least 2, got {args.classes}')
    if args.batch_size is not None and args.batch_size > args.n:
        raise UsageError(f'--batch-size {args.batch_size} is larger than the dataset (--n {args.n})')
    if args.activation is not None and not args.hidden:
        raise UsageError(f'--activation {args.activation} does not apply: it is the activation of '
                         f'the hidden layers, and --hidden is empty')
    activation = args.activation or 'relu'
    try:
        # The size of the run is known before a point is made: refuse here
        # what cannot fit, not with a MemoryError (or the kernel's OOM
        # killer) minutes later.
        classes = nn.datasets.class_count(args.dataset, args.classes, n=args.n)
        loss = nn.losses.for_classes(args.loss, classes)
        sizes = [2, *args.hidden, nn.losses.num_outputs(loss, classes)]
        work = check_fits(None, estimate(
            sizes, args.batch_size or args.n, points=args.n,
            traced=nn.train.replays(loss, args.batch_size)))
        X, y = nn.datasets.load(args.dataset, n=args.n, noise=args.noise, seed=args.seed,
                                classes=args.classes)
        test = None
        if args.test_fraction is not None:
            (X, y), test = nn.hold_out(X, y, args.test_fraction, seed=args.seed)
            if args.batch_size is not None and args.batch_size > len(X):
                raise ValueError(f'--batch-size {args.batch_size} is larger than the {len(X)} training '
                                 f'points left by --test-fraction {args.test_fraction:g}')
    except TooLargeError as error:
        raise UsageError(f'{error}; use smaller --hidden, --n, --batch-size or --classes') from None
    except ValueError as error:  # options that do not go together
        raise UsageError(str(error)) from None

    folder = args.out if args.out is not None else os.path.join('runs', args.dataset)
    model = nn.MLP(2, sizes[1:], activation, init=args.init, seed=args.seed)
    points = f'{len(X)} points' if test is None else f'{len(X)} training + {len(test[0])} held-out points'
    print(f'{args.dataset}: {points}, {classes} classes | {_describe(model)} | '
          f'{loss} loss + {args.l2:g} L2 | {args.optimizer}, {args.steps} steps'
          + (f', batches of {args.batch_size}' if args.batch_size else '')
          + f' | {work.nodes_per_step:,} nodes per step')
    # The files are written into a hidden folder inside `folder` and moved in
    # as one set at the end: a run stopped at any point leaves the old set
    # whole. Made before training, so that an unwritable folder fails at once.
    with output_folder(folder, OUTPUTS) as staging:
        started = time.perf_counter()
        history = nn.fit(model, X, y, loss=loss, optimizer=args.optimizer, steps=args.steps,
                         batch_size=args.batch_size, lr=args.lr, l2=args.l2, seed=args.seed,
                         progress=args.progress, validation=test)
        seconds = time.perf_counter() - started
        if not math.isfinite(history.final_loss):
            raise ValueError(f'training diverged (the loss became {history.final_loss}); '
                             f'try a smaller --lr')
        right = round(history.final_accuracy * len(y))
        print(f'final accuracy {100 * history.final_accuracy:.1f}% ({right}/{len(y)}), '
              f'loss {history.final_loss:.4g}, trained in {seconds:.1f} s')
        if test is not None:
            right = round(history.final_val_accuracy * len(test[1]))
            print(f'held-out accuracy {100 * history.final_val_accuracy:.1f}% ({right}/{len(test[1])}), '
                  f'loss {history.final_val_loss:.4g}')

        written = []
        split = None if test is None else {'test_fraction': args.test_fraction, 'seed': args.seed}
        nn.save(model, os.path.join(staging, 'model.json'), split=split)
        written.append('model.json')
        figure = nn.plot_decision_boundary(model, X, y, title=(
            f'{args.dataset}: {100 * history.final_accuracy:.1f}% after {args.steps} steps'))
        _save_figure(figure, os.path.join(staging, 'decision_boundary.png'))
        written.append('decision_boundary.png')
        figure = nn.plot_history(history, title=f'{args.dataset}: {_describe(model)}, {loss} loss')
        _save_figure(figure, os.path.join(staging, 'loss.png'))
        written.append('loss.png')
        warning = _write_graph(model, X, y, loss, os.path.join(staging, 'graph.svg'))
        if warning:
            print(f'warning: {warning}', file=sys.stderr)
        else:
            written.append('graph.svg')
    print(f'wrote {", ".join(written)} to {folder}{os.sep}')
    return 0


def _save_figure(figure, path):
    # Rendered in memory, then written atomically: an interrupted run never
    # leaves a half-written PNG in place of the previous one.
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=100)
    write_atomically(path, buffer.getvalue())


def _describe(model):
    return f'MLP({model.nin}, {model.nouts}, {model.activation}) with {model.num_parameters()} parameters'


def _write_graph(model, X, y, loss, path):
    """Draw the trained network on the point of largest loss (nn/network_svg.py):
    neurons in order, every weight a line, the point and its loss in the title.
    Returns a warning (str) instead of failing when drawing is not possible."""
    from .network import GraphShapeError, largest_loss_point
    from .network_svg import network_svg
    from .train import _loss_and_targets

    loss_fn, targets = _loss_and_targets(loss, y, model)
    index = largest_loss_point(model, X, targets, loss_fn)
    try:
        svg = network_svg(model, X[index], loss_fn, targets[index], loss_name=loss, point=index)
    except GraphShapeError as error:
        return f'graph.svg not written: {error}'
    write_atomically(path, svg)
    return None


# --------------------------------------------------------------------------
# python -m nn gpt


def _add_gpt_command(commands, formatter_class):
    gpt = commands.add_parser(
        'gpt', help='train a GPT made of Values on first names, then make up new ones',
        description=('Train nn.GPT (microgpt\'s model: 4,192 parameters, one name per step, Adam '
                     'with a linearly decaying learning rate) on the 5,163 first names of the 1990 '
                     'US Census, print names sampled from it, and write model.json and loss.png '
                     'into the output folder. Steps replay a traced program unless --eager.'),
        formatter_class=formatter_class)
    gpt.add_argument('--steps', type=_positive_int, default=1000, help='number of training steps (names)')
    gpt.add_argument('--seed', type=_int, default=0,
                     help='seed for the order of the names, the initial weights and the samples')
    gpt.add_argument('--temperature', type=_temperature, default=0.5,
                     help='sampling temperature: lower picks likelier letters')
    gpt.add_argument('--samples', type=_positive_int, default=20, metavar='N',
                     help='how many names to sample after training')
    gpt.add_argument('-o', '--out', type=_output_folder(GPT_OUTPUTS), default=os.path.join('runs', 'gpt'),
                     metavar='FOLDER',
                     help='output folder')
    gpt.add_argument('--eager', action='store_true',
                     help='build every step\'s graph anew instead of replaying a traced program')
    gpt.add_argument('--progress', action=argparse.BooleanOptionalAction, default=True,
                     help='show a progress bar')


# Sampling divides each logit by the temperature. A trained GPT's logits are
# a few units, tens at most; allowing for logits up to LOGIT_LIMIT, the
# quotient stays below the largest float (sys.float_info.max, 1.8e308) for
# every temperature >= LOGIT_LIMIT / sys.float_info.max = 5.6e-301. Below
# it, 1e-320 say, logit / temperature is inf and softmax gives nan. There is
# no upper bound: a huge temperature makes every quotient about 0, and
# sampling uniform.
LOGIT_LIMIT = 1e8
MIN_TEMPERATURE = LOGIT_LIMIT / sys.float_info.max


def _temperature(text):
    value = number(above=0.0)(text)
    if value < MIN_TEMPERATURE:
        raise OptionError(
            f'must be at least {MIN_TEMPERATURE:.2g}, got {text}: a logit of {LOGIT_LIMIT:g} divided '
            f'by less overflows the largest float ({sys.float_info.max:.2g}), and no name can be sampled')
    return value


def _gpt(args):
    import nn
    from nn import gpt
    from nn.run_folder import output_folder

    # As for train: the two files are replaced as one set, and an unwritable
    # folder fails before anything is built. They are saved before sampling,
    # so that nothing that fails after the training loses the trained model.
    with output_folder(args.out, GPT_OUTPUTS) as staging:
        words = nn.datasets.names(seed=args.seed)
        model = nn.GPT(gpt.VOCAB_SIZE, seed=args.seed)
        mode = 'eager' if args.eager else 'traced'
        print(f'{len(words)} names | {model!r} | Adam, {args.steps} steps, {mode}')
        started = time.perf_counter()
        losses = gpt.train(model, words, steps=args.steps, eager=args.eager, progress=args.progress)
        seconds = time.perf_counter() - started
        recent = losses[-50:]
        if not all(math.isfinite(loss) for loss in recent):
            raise ValueError('training diverged (the loss is not finite)')
        print(f'loss {losses[0]:.3f} at the first step, {sum(recent) / len(recent):.3f} '
              f'over the last {len(recent)}')
        nn.save(model, os.path.join(staging, 'model.json'))
        _save_figure(gpt.plot_losses(losses, title=f'GPT on names: {args.steps} steps'),
                     os.path.join(staging, 'loss.png'))
    print(f'wrote model.json, loss.png to {args.out}{os.sep}')
    print(f'{args.samples} names sampled at temperature {args.temperature:g}:')
    try:
        names = model.sample(count=args.samples, temperature=args.temperature, seed=args.seed)
    except (ValueError, ArithmeticError) as error:
        raise ValueError(f'sampling failed ({error}); the model is saved in '
                         f'{os.path.join(args.out, "model.json")}') from None
    for name in names:
        print(f'  {name}')
    print(f'trained {args.steps} steps in {seconds:.1f} s ({1e3 * seconds / args.steps:.1f} ms/step)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
