"""Writing files and folders so that a kill at any moment leaves the previous version intact
(DECISIONS.md 11).  Every function of LispE or of its libraries that writes a file or a folder
goes through `atomic_write`:

    with atomic_write(path) as temporary:              # a file
        torch.save(data, temporary)
    with atomic_write(path, folder=True) as temporary: # a folder
        model.save_pretrained(temporary)

The new version is written under a hidden temporary name in the same folder, flushed to the
disk (fsync), then moved into place with one rename: `os.replace` for a file; for a folder that
already exists, the two folders are swapped with Linux's `renameat2(RENAME_EXCHANGE)`, and the
old one is removed afterwards.  Where that call does not exist (macOS, old kernels) the old
folder is first renamed aside to `.<name>.old-<pid>`, so the one moment without a folder at
`path` is between two renames; the next save through this module puts it back first.

The path of a symbolic link is followed: the file it points to is replaced, not the link.
A write that fails or is interrupted removes its temporary file; a temporary left by a killed
process is removed by the next write to the same path.  The folders above a folder that is
written are created when missing (not those above a file).  Not here: appending (`fappend`
appends in place, which never loses what the file held).
"""

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import uuid

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc_renameat2():
    """The C library's renameat2, or None where it does not exist."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    return function


_renameat2 = _libc_renameat2()


@contextlib.contextmanager
def atomic_write(path, folder=False):
    """Context yielding a temporary path beside `path`: whatever is written there replaces
    `path` in one step when the block ends normally; on failure `path` is left untouched."""
    target = os.path.realpath(os.fspath(path))
    parent, name = os.path.split(target)
    if folder:      # a saved model or adapter folder may be several levels deep, as save_pretrained allows
        os.makedirs(parent, exist_ok=True)
    _check_folder(parent)
    _restore_aside(target)
    _remove_leftovers(parent, name)
    temporary = os.path.join(parent, f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        if folder:
            os.mkdir(temporary)
        yield temporary
        _sync(temporary)
        if folder:
            _swap_folder(temporary, target)
        else:
            _keep_mode(target, temporary)
            os.replace(temporary, target)
        _sync_folder(parent)
    finally:
        _remove(temporary)


def _check_folder(parent):
    """An OSError naming the folder when the new version could not be written in it."""
    if not os.path.isdir(parent):
        raise OSError(f"no such folder: {parent}")
    if not os.access(parent, os.W_OK):
        raise OSError(f"cannot write in the folder {parent} (permission denied)")


def _sync(path):
    """Flush a file, or every file of a folder, to the disk."""
    if os.path.isdir(path):
        for root, _, names in os.walk(path):
            for name in names:
                _sync(os.path.join(root, name))
            _sync_folder(root)
        return
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _sync_folder(path):
    """Flush a folder's entries (the renames) to the disk, where the system allows it."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _keep_mode(target, temporary):
    """A replaced file keeps its permission bits."""
    if os.path.exists(target):
        shutil.copymode(target, temporary)


def _swap_folder(temporary, target):
    """Put the folder `temporary` at `target`; the old folder (if any) ends at `temporary`."""
    if not os.path.lexists(target):
        os.rename(temporary, target)
        return
    if not os.path.isdir(target):
        raise IsADirectoryError(f"{target} exists and is not a folder")
    if _renameat2 is not None:
        source, destination = os.fsencode(temporary), os.fsencode(target)
        if _renameat2(_AT_FDCWD, source, _AT_FDCWD, destination, _RENAME_EXCHANGE) == 0:
            return
    aside = _aside_name(target)
    os.rename(target, aside)
    os.rename(temporary, target)
    os.rename(aside, temporary)


def _aside_name(target):
    parent, name = os.path.split(target)
    return os.path.join(parent, f".{name}.old-{os.getpid()}")


def _restore_aside(target):
    """After a kill between the two renames of the fallback swap: the old folder goes back."""
    if os.path.lexists(target):
        return
    parent, name = os.path.split(target)
    prefix = f".{name}.old-"
    for entry in _entries(parent):
        if entry.startswith(prefix):
            os.rename(os.path.join(parent, entry), target)
            return


def _remove_leftovers(parent, name):
    """Remove the temporaries of writes to the same file by processes that no longer run."""
    prefix = f".{name}.tmp-"
    for entry in _entries(parent):
        if entry.startswith(prefix) and not _running(entry[len(prefix):].split("-")[0]):
            _remove(os.path.join(parent, entry))


def _entries(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _running(pid_text):
    """True when the process numbered `pid_text` exists (it may belong to another user)."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass
    return True


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with contextlib.suppress(OSError):
            os.remove(path)
