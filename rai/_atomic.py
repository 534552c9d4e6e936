"""Writing outputs: all or nothing, into the output folder only.

Every file is first written to a temporary file beside its destination and then renamed over
it. A rename replaces a symlink that sits at the destination instead of writing through it, so
a link planted in an output folder (``dashboard.html -> ~/.bashrc``) can never make the toolkit
overwrite a file elsewhere. ``Outputs`` stages several files and renames them only when all of
them were written: a command that fails half-way (an unwritable ``--summary``) leaves none of
its files behind. OS errors become ``OutputError`` naming the path (CLI exit 2).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from rai._exceptions import OutputError

__all__ = ["Outputs", "write_text", "write_bytes", "ensure_folder", "claim_folder"]

#: The file a demo leaves in the folder it made, so that it may write there again.
DEMO_MARKER = ".rai-demo"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def ensure_folder(folder: str | Path, what: str = "output folder") -> Path:
    """Create ``folder`` (and its parents) or raise ``OutputError`` saying why not."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{what} {str(folder)!r} is a file, not a folder.") from None
    except OSError as exc:
        raise OutputError(f"cannot create the {what} {str(folder)!r}: {_why(exc)}.") from None
    if not folder.is_dir():
        raise OutputError(f"{what} {str(folder)!r} is not a folder.")
    return folder


class Outputs:
    """Files staged as temporaries and renamed into place together on ``commit``.

    >>> with Outputs() as out:                                   # doctest: +SKIP
    ...     out.text(folder / "gate.xml", junit)
    ...     out.text(folder / "verdict.json", verdict)
    ...     # an exception here removes both temporaries; leaving the block renames them
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path(self, final: str | Path, *, what: str = "output") -> Path:
        """A fresh temporary path beside ``final`` for a writer that needs a path (pandas, skops)."""
        final = Path(final)
        ensure_folder(final.parent)
        if final.is_dir() and not final.is_symlink():
            raise OutputError(f"cannot write the {what} {str(final)!r}: it is a folder.")
        try:
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
        except OSError as exc:
            raise OutputError(f"cannot write the {what} {str(final)!r}: {_why(exc)}.") from None
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output gets the usual permissions
        self._staged.append((Path(tmp), final))
        return Path(tmp)

    def write(self, final: str | Path, write: Callable[[Path], object], *, what: str = "output") -> Path:
        """Stage ``final`` by calling ``write(temporary_path)``."""
        tmp = self.path(final, what=what)
        try:
            write(tmp)
        except OSError as exc:
            raise OutputError(f"cannot write the {what} {str(final)!r}: {_why(exc)}.") from None
        return Path(final)

    def text(self, final: str | Path, text: str, *, what: str = "output") -> Path:
        return self.write(final, lambda p: p.write_text(text, encoding="utf-8"), what=what)

    def bytes(self, final: str | Path, data: bytes, *, what: str = "output") -> Path:
        return self.write(final, lambda p: p.write_bytes(data), what=what)

    def commit(self) -> list[Path]:
        """Rename every staged file into place (a symlink at the destination is replaced, not followed)."""
        done = []
        try:
            for tmp, final in self._staged:
                os.replace(tmp, final)
                done.append(final)
        except OSError as exc:
            raise OutputError(f"cannot write {str(final)!r}: {_why(exc)}.") from None
        finally:
            self.discard()
        return done

    def discard(self) -> None:
        """Remove the temporaries not yet renamed."""
        for tmp, _final in self._staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._staged = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_text(path: str | Path, text: str, *, what: str = "output") -> Path:
    """Write one text file atomically (see the module docstring)."""
    with Outputs() as out:
        out.text(path, text, what=what)
    return Path(path)


def write_bytes(path: str | Path, data: bytes, *, what: str = "output") -> Path:
    """Write one binary file atomically."""
    with Outputs() as out:
        out.bytes(path, data, what=what)
    return Path(path)


def claim_folder(folder: str | Path, *, owner: str, flag: str = "--out") -> Path:
    """A folder ``owner`` (e.g. ``rai demo``) may fill: new, empty, or made by ``owner`` before.

    A demo overwrites its own files (rai.yaml, data, monitor.db); pointed at a working folder it
    would overwrite the user's. Raises ``OutputError`` for any other non-empty folder.
    """
    folder = Path(folder)
    marker = folder / DEMO_MARKER
    if folder.is_dir() and any(folder.iterdir()):
        mine = marker.is_file() and not marker.is_symlink() and marker.read_text(encoding="utf-8").strip() == owner
        if not mine:
            raise OutputError(
                f"{flag} {str(folder)!r} is not empty and was not made by `{owner}`; it would overwrite files "
                f"there. Give a new or empty folder."
            )
        return folder
    ensure_folder(folder, f"{flag} folder")
    write_text(marker, owner + "\n", what="demo marker")
    return folder
