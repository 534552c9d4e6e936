"""The commit a folder is at, read from ``.git`` without running git.

Running ``git`` inside a folder someone else prepared executes whatever its ``.git/config``
names (``core.fsmonitor``, filter drivers): a checked-out pull request could run code in a CI job
that holds secrets. Reading the refs and the index is enough for provenance.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

__all__ = ["head_commit", "worktree_dirty"]

_HEX = set("0123456789abcdef")


def _find_gitdir(start: Path) -> tuple[Path, Path] | None:
    """(work tree top, git dir) of the repository ``start`` is in; follows ``gitdir:`` files (worktrees)."""
    for top in (start.resolve(), *start.resolve().parents):
        dot = top / ".git"
        if dot.is_dir():
            return top, dot
        if dot.is_file():
            text = dot.read_text(encoding="utf-8").strip()
            if text.startswith("gitdir:"):
                gitdir = Path(text[len("gitdir:"):].strip())
                return top, gitdir if gitdir.is_absolute() else (top / gitdir).resolve()
    return None


def _common_dir(gitdir: Path) -> Path:
    common = gitdir / "commondir"
    if common.is_file():
        p = Path(common.read_text(encoding="utf-8").strip())
        return p if p.is_absolute() else (gitdir / p).resolve()
    return gitdir


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def _resolve_ref(gitdir: Path, ref: str) -> str | None:
    for base in (gitdir, _common_dir(gitdir)):
        loose = base / ref
        if loose.is_file():
            value = loose.read_text(encoding="utf-8").strip()
            return value if _is_sha(value) else None
    packed = _common_dir(gitdir) / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[1].strip() == ref and _is_sha(parts[0]):
                return parts[0]
    return None


def head_commit(start: Path) -> tuple[str, Path, Path] | None:
    """(commit, work tree top, git dir) of HEAD, or ``None`` outside a repository or before a first commit."""
    found = _find_gitdir(start)
    if found is None:
        return None
    top, gitdir = found
    head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
    for _ in range(5):  # symbolic refs may chain
        if not head.startswith("ref:"):
            break
        ref = head[len("ref:"):].strip()
        target = _resolve_ref(gitdir, ref)
        if target is None:
            return None
        head = target
    return (head, top, gitdir) if _is_sha(head) else None


def _blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 (git's object id)


def worktree_dirty(top: Path, gitdir: Path) -> bool | None:
    """Whether a tracked file differs from the index (``None`` when the index format is unknown).

    Files whose size and mtime match the index are taken as unchanged, as git does; the others are
    hashed as git blobs. Untracked files do not count (as ``git status --untracked-files=no``).
    """
    index = gitdir / "index"
    if not index.is_file():
        return False
    data = index.read_bytes()
    if data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3):
        return None
    pos = 12
    for _ in range(count):
        (_cs, _cn, mtime_s, mtime_ns, _dev, _ino, mode, _uid, _gid, size) = struct.unpack(">10I", data[pos:pos + 40])
        sha = data[pos + 40:pos + 60].hex()
        (flags,) = struct.unpack(">H", data[pos + 60:pos + 62])
        start = pos + 62 + (2 if version == 3 and flags & 0x4000 else 0)
        end = data.index(b"\0", start)
        name = data[start:end].decode("utf-8", "surrogateescape")
        pos += ((end - pos) // 8 + 1) * 8  # entries are NUL-padded to a multiple of 8 bytes
        kind = mode >> 12
        if kind == 0o16:  # a submodule
            continue
        path = top / name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return True
        if kind == 0o12:  # a symlink: its target is the blob
            if _blob_sha1(os.readlink(path).encode("utf-8", "surrogateescape")) != sha:
                return True
            continue
        if st.st_size == size and int(st.st_mtime) == mtime_s and st.st_mtime_ns % 1_000_000_000 == mtime_ns:
            continue
        if st.st_size != size or _blob_sha1(path.read_bytes()) != sha:
            return True
    return False
