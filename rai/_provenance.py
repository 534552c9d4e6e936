"""Provenance: what exactly was assessed, with what, when and where."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import platform
import sys
from importlib import metadata
from pathlib import Path

from rai._serialize import Result
from rai._version import __version__

__all__ = ["Provenance", "package_versions", "git_commit"]

#: The packages whose versions change numbers in an assessment.
KEY_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "fairlearn",
    "evidently",
    "shap",
    "lime",
    "interpret-core",
    "jinja2",
    "pyarrow",
)


@dataclasses.dataclass(frozen=True)
class Provenance(Result):
    """Hashes of the inputs, versions and context that make an assessment reproducible."""

    rai_version: str
    created_at: str
    data_sha256: str
    data_source: str | None = None
    reference_sha256: str | None = None
    reference_source: str | None = None
    labels_sha256: str | None = None
    labels_source: str | None = None
    model_sha256: str | None = None
    model_source: str | None = None
    model_uri: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    model_run_id: str | None = None
    config_sha256: str | None = None
    config_source: str | None = None
    seed: int = 0
    packages: dict[str, str] = dataclasses.field(default_factory=dict)
    python: str = ""
    platform: str = ""
    git_commit: str | None = None

    @classmethod
    def collect(cls, **fields: object) -> Provenance:
        """Fill in versions, time, platform and git commit around the given hashes."""
        return cls(
            rai_version=__version__,
            created_at=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            packages=package_versions(),
            python=sys.version.split()[0],
            platform=platform.platform(),
            git_commit=git_commit(),
            **fields,  # type: ignore[arg-type]
        )


def package_versions() -> dict[str, str]:
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The commit of the repository ``cwd`` is in, if any (suffix ``+dirty`` when a tracked file changed).

    Read from the files under ``.git`` (no ``git`` process): ``git status`` would run the
    repository's ``core.fsmonitor`` command and filters, i.e. code chosen by whoever wrote the
    repository's config.
    """
    from rai._git import head_commit, worktree_dirty

    try:
        found = head_commit(Path.cwd() if cwd is None else Path(cwd))
        if found is None:
            return None
        commit, top, gitdir = found
        return commit + ("+dirty" if worktree_dirty(top, gitdir) else "")
    except (OSError, ValueError):
        return None
