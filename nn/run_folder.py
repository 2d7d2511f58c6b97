"""A run's output files: the old set or the new set, never a mix.

`python -m nn train` and `python -m nn gpt` write their files (model.json,
the plots) into a staging folder and put them in place as one set with
`output_folder`; a run stopped half-way leaves the previous set untouched.
"""

import contextlib
import os

from autograd._files import _sync_folder, refuse_special


@contextlib.contextmanager
def output_folder(folder, outputs):
    """Replace the files named `outputs` in `folder` as one set.

    Yields a fresh hidden folder inside `folder` (`.run.new-XXXXXXXX`) to
    write the new files into. When the block ends normally, the new files
    take the place of the old outputs, and an old output that the new run
    did not make (graph.svg without Graphviz) goes with the rest of the old
    set. When the block raises (an error, Ctrl-C) nothing in `folder`
    changes. So a run that is stopped leaves `folder` holding the complete
    old set or the complete new set. (Writing the files one by one cannot
    give that: a run stopped after the first leaves a new model.json beside
    the old plots.)

    Putting the new set in place is a few renames inside `folder`: each old
    output goes to a second hidden folder (`.run.old-XXXXXXXX`), then each
    new file takes its place. If any of them fails or is interrupted, the
    renames already made are undone, decided by what is on disk. Nothing
    else in `folder` is moved or read: the user's own files, subfolders and
    mount points stay where they are, and `folder` may be the current one.
    A new output keeps the permissions of the old one it replaces. Only a
    process killed outright (SIGKILL, a power cut) can leave a hidden
    `.run.*` folder behind, holding what it was writing or the old set.

    A folder that does not exist is made, and removed again (with any
    parents made for it) if the block raises.
    """
    import shutil  # lazy, as in autograd._files: only a run that writes needs it
    import tempfile

    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f'the output folder {folder} is a file, not a folder')
    for name in outputs:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            raise ValueError(f'{path} is a folder; a run writes a file of that name there, '
                             f'so move it away or choose another output folder')
        refuse_special(path)  # a device, FIFO or socket is not moved aside and deleted
    made = _missing_folders(folder)
    try:
        os.makedirs(folder, exist_ok=True)
        staging = tempfile.mkdtemp(dir=folder, prefix='.run.new-')
    except OSError as error:
        _remove_empty(made)
        raise OSError(f'cannot write to the output folder {folder}: {error.strerror or error}') from None
    try:
        yield staging
        _put_in_place(folder, staging, outputs)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(made)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _sync_folder(folder)


def _put_in_place(folder, staging, outputs):
    """Move the old outputs of `folder` aside and the new ones from
    `staging` in; on any error, or Ctrl-C, put everything back as it was."""
    import tempfile

    new = [name for name in outputs if os.path.lexists(os.path.join(staging, name))]
    aside = tempfile.mkdtemp(dir=folder, prefix='.run.old-')
    try:
        for name in outputs:
            old = os.path.join(folder, name)
            if os.path.lexists(old):
                _keep_mode(old, os.path.join(staging, name))
                os.replace(old, os.path.join(aside, name))
        for name in new:
            os.replace(os.path.join(staging, name), os.path.join(folder, name))
    except BaseException:
        # Decided by what is on disk, not by which call returned: an
        # interrupt can land between a rename and the next line.
        for name in new:
            moved_in = not os.path.lexists(os.path.join(staging, name))
            if moved_in and os.path.lexists(os.path.join(folder, name)):
                os.replace(os.path.join(folder, name), os.path.join(staging, name))
        for name in outputs:
            if os.path.lexists(os.path.join(aside, name)):
                os.replace(os.path.join(aside, name), os.path.join(folder, name))
        os.rmdir(aside)  # empty again; if not, it keeps the old set safe
        raise
    # The new set is in place: the old one can go. Whatever cannot (a
    # folder that took an output's name meanwhile) stays where it is.
    for name in outputs:
        try:
            os.unlink(os.path.join(aside, name))
        except OSError:
            pass
    try:
        os.rmdir(aside)
    except OSError:
        pass


def _keep_mode(old, new):
    """Give the new file the permissions of the old one it replaces."""
    try:
        if os.path.isfile(new) and not os.path.islink(old):
            os.chmod(new, os.stat(old).st_mode & 0o7777)
    except OSError:
        pass


def _missing_folders(folder):
    """`folder` and those of its parents that do not exist, deepest first."""
    missing = []
    path = os.path.abspath(folder)
    while not os.path.lexists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _remove_empty(folders):
    for path in folders:
        try:
            os.rmdir(path)
        except OSError:  # not empty (someone wrote there meanwhile): leave it
            return

