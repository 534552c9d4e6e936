"""Examples are tests: every fenced shell and Python block of README.md and docs/*.md runs as written.

Each Markdown file runs in its own fresh folder (with a copy of ``examples/``, as in a fresh
clone), its blocks in order: shell blocks with ``bash -e`` as separate processes, Python blocks
in one namespace per file. A line ending in ``# exit N`` must exit with N. A block right after
``<!-- rai:skip-example REASON -->`` is skipped (it needs a server, S3, Spark, or installs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHELL = {"bash", "sh", "shell"}
PYTHON = {"python", "py"}
SKIP = re.compile(r"<!--\s*rai:skip-example\b(?P<reason>.*?)-->")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
EXPECT_EXIT = re.compile(r"^(?P<command>.*?)\s+#\s*exit (?P<code>\d+)\b.*$")


def example_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(line, language, code, skip reason or None) of every shell / Python block, in order."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        lang = m["lang"].lower()
        if lang not in SHELL | PYTHON:
            continue
        before = text[: m.start()].rstrip().splitlines()
        skip = SKIP.fullmatch(before[-1].strip()) if before else None
        reason = (skip["reason"].strip() or "marked") if skip else None
        out.append((text.count("\n", 0, m.start()) + 1, lang, _dedent(m["body"], m["indent"]), reason))
    return out


def _dedent(body: str, indent: str) -> str:
    return "\n".join(line[len(indent):] if line.startswith(indent) else line for line in body.splitlines())


def shell_script(code: str) -> str:
    """The block, with each ``cmd  # exit N`` line checked for exit code N instead of stopping at it."""
    lines = ["set -euo pipefail"]
    # a leading `pip install ... &&` is dropped: the suite runs in the environment it installed
    code = re.sub(r"(?m)^\s*pip install [^&\n]*&&\s*", "", code)
    for line in re.sub(r"\\\n", " ", code).splitlines():  # one logical line per command
        m = EXPECT_EXIT.match(line)
        if m and not line.rstrip().endswith("\\"):
            n = m["code"]
            lines.append(f"rc=0; {m['command']} || rc=$?")
            lines.append(f'[ "$rc" -eq {n} ] || {{ echo "expected exit {n}, got $rc: {_quote(m["command"])}" >&2; exit 99; }}')
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")


@pytest.mark.slow
@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_examples_run_as_written(path, tmp_path, monkeypatch):
    found = blocks(path)
    if not any(reason is None for *_, reason in found):
        pytest.skip(f"{path.name} has no runnable example")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("GITHUB_ACTIONS", None)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__example__"}
    for line, lang, code, reason in found:
        if reason is not None:
            continue
        where = f"{path.name}:{line}"
        if lang in SHELL:
            run = subprocess.run(["bash", "-c", shell_script(code)], cwd=tmp_path, env=env, capture_output=True,
                                 text=True, timeout=600)
            assert run.returncode == 0, f"{where} exited {run.returncode}\n{code}\n--- stdout\n{run.stdout[-3000:]}\n--- stderr\n{run.stderr[-3000:]}"
        else:
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the README's own example


def test_block_parser_sees_fences_markers_and_exit_codes(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("text\n\n```bash\necho a\n```\n\n<!-- rai:skip-example needs a server -->\n```sh\ncurl x\n```\n"
                   "```yaml\na: 1\n```\n- item:\n\n  ```python\n  x = 1\n  ```\n", encoding="utf-8")
    assert blocks(doc) == [(3, "bash", "echo a", None), (8, "sh", "curl x", "needs a server"),
                           (16, "python", "x = 1", None)]
    script = shell_script("false  # exit 1: it fails\ntrue")
    assert subprocess.run(["bash", "-c", script]).returncode == 0
    assert subprocess.run(["bash", "-c", shell_script("true  # exit 1")], capture_output=True).returncode == 99
    assert subprocess.run(["bash", "-c", shell_script("false\ntrue")]).returncode == 1
    continued = shell_script("sh -c 'exit 3' \\\n   --ignored  # exit 3")
    assert subprocess.run(["bash", "-c", continued]).returncode == 0
