"""MkDocs hook: every Markdown page under docs/ is in the site, even one the nav does not list yet.

Pages that other work adds (a new analyzer's guide, the generated metric paths) then appear at
the end of the navigation instead of being left out of the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _listed(nav: Any) -> set[str]:
    found: set[str] = set()
    for item in nav or []:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found |= _listed(value)
        elif isinstance(value, str):
            found.add(value)
    return found


def on_config(config: Any, **_: Any) -> Any:
    docs = Path(config["docs_dir"])
    listed = _listed(config["nav"])
    extra = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    config["nav"] = list(config["nav"] or []) + [page for page in extra if page not in listed]
    return config
