"""Writing a command's files as one set: everything is rendered first, then written into a
temporary folder beside the targets and moved into place together, so the folder holds
either the whole previous set or the whole new one, never a mix.

- Every file name must resolve inside the chosen folder (no absolute name, no ``..``, no
  symlink leading out); a name that is an existing folder, or a folder that is an existing
  file, is refused (``SpecError``, exit 2).
- A fault of the environment (a full disk, a read-only folder) is an ``OutputError``
  (exit 1): the new files are dropped, the previous set is left as it was.
- The moves into place run with SIGINT, SIGTERM and SIGHUP held back, and are undone in
  reverse order if one of them fails; the temporary folder is removed in every case (one
  that SIGKILL left behind is removed by the next run into the same folder).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from ..errors import OutputError, SpecError

TMP_PREFIX = ".symbackprop-"
_HELD = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}


def write_all(folder: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write ``files`` ({name: text or bytes}; a name may hold '/') into ``folder`` as one
    set. Returns the paths written, in the order given."""
    check_folder(folder)
    root = Path(folder).resolve()
    targets = {name: _target(root, Path(folder), name) for name in files}  # before any mkdir
    _folder(Path(folder))
    _sweep(root)
    try:
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=f"{TMP_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        raise _fault(exc, Path(folder)) from None
    try:
        staged = {}
        for i, (name, content) in enumerate(files.items()):
            path = tmp / "new" / str(i)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            try:
                _write_file(path, data)
            except OSError as exc:
                raise _fault(exc, Path(folder) / name) from None
            staged[name] = path
        _commit(staged, targets, tmp)
        _sync(root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [Path(folder) / name for name in files]


def _sweep(root: Path) -> None:
    """Remove the temporary folders that a killed run (SIGKILL) left in ``root``: ours by
    name, of a process that no longer runs."""
    for entry in root.glob(f"{TMP_PREFIX}*-*"):
        pid = entry.name[len(TMP_PREFIX):].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def _write_file(path: Path, data: bytes) -> None:
    """One file of the set, in the temporary folder (tests replace it to fake a full disk)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync(folder: Path) -> None:
    """The renames made durable (a power cut after this keeps the new set)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _commit(staged: dict[str, Path], targets: dict[str, Path], tmp: Path) -> None:
    """Move every staged file into place; on a failure, put the previous files back."""
    backup = tmp / "old"
    backup.mkdir()
    done = []  # (target, its backup or None)
    with signals_held():
        try:
            for i, (name, path) in enumerate(staged.items()):
                target = targets[name]
                target.parent.mkdir(parents=True, exist_ok=True)
                old = None
                if target.exists() or target.is_symlink():
                    old = backup / str(i)
                    os.rename(target, old)
                done.append((target, old))
                os.rename(path, target)
        except OSError as exc:
            for target, old in reversed(done):
                try:
                    if target.exists() or target.is_symlink():
                        os.unlink(target)
                    if old is not None:
                        os.rename(old, target)
                except OSError:
                    pass
            raise _fault(exc, target) from None


class signals_held:
    """SIGINT, SIGTERM and SIGHUP wait until the moves are done (main thread only)."""

    def __enter__(self):
        self.held = threading.current_thread() is threading.main_thread()
        if self.held:
            signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)

    def __exit__(self, *exc):
        if self.held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


def check_folder(folder: str | Path) -> None:
    """Refuse an output folder that is an existing file (before anything is rendered)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SpecError(f"{folder} is a file, not a folder (the output goes into a folder)")


def _folder(folder: Path) -> None:
    """The output folder, made if missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise SpecError(f"{folder} is not a folder: a part of it is a file") from None
    except OSError as exc:
        raise _fault(exc, folder) from None


def _target(root: Path, shown: Path, name: str) -> Path:
    """Where ``name`` goes: inside ``root``, symlinks included, and not an existing folder."""
    parts = Path(name).parts
    if (not name or Path(name).is_absolute() or ".." in parts or "\\" in name
            or "\x00" in name or any(p.startswith(TMP_PREFIX) for p in parts)):
        raise SpecError(f"refusing to write {name!r}: a file name must stay inside {shown}")
    target = root / name
    # the folders on the way (and the target, if it is a symlink) must not lead out
    resolved = target.parent.resolve() / target.name
    if target.is_symlink():
        resolved = target.resolve()
    if not resolved.is_relative_to(root):
        raise SpecError(f"refusing to write {shown / name}: it resolves to {resolved}, "
                        f"outside {shown}")
    if target.is_dir() and not target.is_symlink():
        raise SpecError(f"{shown / name} is a folder; the file of that name cannot be written")
    return target


def _fault(exc: OSError, path: Path) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the disk"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = "the folder is read-only" if exc.errno == errno.EROFS else "permission denied"
    return OutputError(f"cannot write {path}: {reason}; nothing was written, the previous "
                       f"files are as they were")
