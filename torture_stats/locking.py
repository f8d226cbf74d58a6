"""One build at a time, and a processed folder that is always whole.

:func:`build_lock` holds ``data/.build.lock`` (an advisory ``flock``) for the
length of a build: a second build started meanwhile waits, saying so, and
goes on when the first is done; after ``LOCK_WAIT_S`` it gives up with a
:class:`~torture_stats.errors.BuildLockedError`. The operating system drops the
lock when its process ends, however it ends, so a killed build never leaves a
stale lock behind.

Once it holds the lock, a build first tidies what a killed build may have
left (:func:`recover_processed`), and it swaps its new folder in with
:func:`exchange`, which on Linux trades the two folders in one atomic step.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from torture_stats.errors import BuildLockedError

T = TypeVar("T")

log = logging.getLogger(__name__)

#: the lock file, relative to the project root
LOCK_PATH = Path("data") / ".build.lock"
#: seconds a build waits for another one to finish before it gives up
LOCK_WAIT_S = 3600.0
#: seconds between two attempts to take the lock
_POLL_S = 0.1


@contextmanager
def build_lock(root: str | Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[Path]:
    """Hold the project's build lock for the ``with`` block.

    Parameters
    ----------
    root : path
        The project root; the lock is ``data/.build.lock`` under it.
    wait_s : float
        Seconds to wait for another build to release the lock.

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    BuildLockedError
        Another build held the lock for longer than *wait_s*.

    Notes
    -----
    The lock is ``fcntl.flock`` on a file that is never deleted (deleting a
    lock file lets two processes lock two different files). The file holds the
    process id of the holder, for the message a waiting build logs. Where
    ``fcntl`` does not exist (Windows) builds are not locked.
    """
    path = Path(root) / LOCK_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        log.warning("%s: no fcntl on this system; builds are not locked against each other", path)
        yield path
        return
    with path.open("a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait_s
        said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise BuildLockedError(
                        f"{path}: another build{holder} still holds the lock after {wait_s:g} s; "
                        "wait for it to end, or stop it"
                    ) from None
                if not said:
                    log.warning("%s: another build%s is running; waiting for it to end", path, holder)
                    said = True
                time.sleep(_POLL_S)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def recover_processed(target: Path) -> list[str]:
    """Undo what a build killed half-way may have left beside *target*.

    Call only while holding :func:`build_lock`.

    Parameters
    ----------
    target : Path
        The processed folder, ``data/processed``.

    Returns
    -------
    list of str
        What was done, one line each (also logged).

    Notes
    -----
    A build writes into ``.processed-*`` folders beside *target*. Killed while
    writing, it leaves one behind: it is deleted. Where the swap is not atomic
    (no ``renameat2``), a build killed between its two renames leaves the
    previous tables in ``.processed-previous`` and no *target*: they are put
    back.
    """
    done = []
    retired = target.with_name(f".{target.name}-previous")
    if retired.is_dir() and not target.exists():
        os.replace(retired, target)
        done.append(f"{target}: put back the previous tables a killed build had moved aside")
    for leftover in sorted(target.parent.glob(f".{target.name}-*")):
        # only the folders a build makes: tempfile's 8 random characters, or "previous"
        if leftover.is_dir() and re.fullmatch(
            rf"\.{re.escape(target.name)}-(?:[a-z0-9_]{{8}}|previous)", leftover.name
        ):
            shutil.rmtree(leftover)
            done.append(f"{leftover}: deleted, left by a killed build")
    for line in done:
        log.warning("%s", line)
    return done


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the system cannot.

    Parameters
    ----------
    a, b : Path
        Two existing paths on the same file system.

    Returns
    -------
    bool
        True when the two were exchanged (Linux ``renameat2`` with
        ``RENAME_EXCHANGE``): a process killed at any moment leaves each path
        whole. False when nothing was done; the caller falls back to renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def one_build_at_a_time(build: Callable[..., T]) -> Callable[..., T]:
    """Decorate ``build(root=None, **options)``: hold the lock, tidy after killed builds, then build.

    Parameters
    ----------
    build : callable
        A function whose first argument is the project root.

    Returns
    -------
    callable
        The same function, run under :func:`build_lock` after
        :func:`recover_processed`.
    """
    from torture_stats.paths import project_paths

    @functools.wraps(build)
    def locked(root: str | Path | None = None, *args, **kwargs) -> T:
        paths = project_paths(root)
        with build_lock(paths.root):
            recover_processed(paths.processed)
            return build(root, *args, **kwargs)

    return locked
