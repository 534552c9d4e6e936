"""Assessments out: the metric stream, the reports and the gate verdict of one assessment, on an MLflow run.

What lands on the run (documented in docs/mlflow.md, "What `rai mlflow log` writes"):

* metrics: every sufficient number of ``metric_stream(assessment)`` under a stable key
  (``metric_key``): ``rai/<path>[/<qualifier>/<value>...]``, and its interval as
  ``rai_ci_low/...`` and ``rai_ci_high/...`` with the same tail. Insufficient numbers are not
  logged as metrics (a chart would show them as facts); they are in ``rai/metric_stream.json``;
* artifacts under ``rai/``: ``assessment.json`` (and its ``.sig``), ``metric_stream.json``, the
  model card (md, html, json) and ``dashboard.html`` judged by the policy, and the verdict as
  ``gate/verdict.json``, ``gate/summary.md``, ``gate/junit.xml``;
* tags: ``rai.version``, ``rai.assessment_sha256``, the input hashes (``rai.data_sha256``, ...),
  ``rai.model_uri``, ``rai.metrics.logged``, ``rai.metrics.insufficient``, ``rai.gate.status``,
  ``rai.gate.policy`` and ``rai.gate.policy_sha256``.

The policy is the one given, else the shipped default (as ``rai gate`` without ``--policy``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["GateOutcome", "LoggedRun", "gate_assessment", "log_assessment", "metric_key", "MAX_KEY_LENGTH"]

#: MLflow's limit on a metric key
MAX_KEY_LENGTH = 250
_UNSAFE = re.compile(r"[^\w.\- ]")  # MLflow allows slashes too, but ours separate the key's parts
_BATCH = 1000  # MLflow's log_batch limit on metrics per call


def _segment(value: str) -> str:
    text = _UNSAFE.sub("_", str(value)).strip() or "_"
    return "_" if set(text) <= {"."} else text  # "." and ".." would resolve to other names as paths


def metric_key(path: str, qualifiers: tuple[tuple[str, str], ...] = (), *, prefix: str = "rai") -> str:
    """The MLflow key of one number: ``prefix/path/q1/v1/q2/v2``.

    Characters MLflow refuses become ``_``; a key over 250 characters keeps its path and replaces
    the qualifier tail by ``h-`` and the first 16 hex digits of the tail's sha256.
    """
    tail = "".join(f"/{_segment(k)}/{_segment(v)}" for k, v in qualifiers)
    key = f"{prefix}/{path}{tail}"
    if len(key) > MAX_KEY_LENGTH:
        key = f"{prefix}/{path}/h-{hashlib.sha256(tail.encode()).hexdigest()[:16]}"
    return key


@dataclasses.dataclass(frozen=True)
class GateOutcome:
    """The gate's verdict on an assessment, with the policy it was judged by."""

    verdict: Any
    policy: Any
    policy_source: str
    policy_sha256: str

    @property
    def status(self) -> str:
        return self.verdict.status


def gate_assessment(doc: dict[str, Any], *, policy_path: str | Path | None = None,
                    assessment_source: str | None = None) -> GateOutcome:
    """Judge an assessment dict with ``rai.gate.evaluate``: the given policy, or the shipped default."""
    from rai.gate import default_policy, evaluate, load_policy, preset_policy_text

    if policy_path is not None:
        path = Path(policy_path)
        policy = load_policy(path)
        raw, source = path.read_bytes(), str(path)
    else:
        policy = default_policy()
        raw, source = preset_policy_text().encode("utf-8"), "default"
    verdict = evaluate(policy, doc, assessment_source=assessment_source)
    return GateOutcome(verdict=verdict, policy=policy, policy_source=source,
                       policy_sha256=hashlib.sha256(raw).hexdigest())


@dataclasses.dataclass(frozen=True)
class LoggedRun:
    """What ``log_assessment`` wrote."""

    run_id: str
    experiment_id: str
    n_metrics: int
    n_insufficient: int
    gate_status: str
    artifacts: tuple[str, ...]


def _target_run(client: Any, run_id: str | None, experiment: str | None) -> tuple[str, str, bool]:
    """(run id, experiment id, created here) of the run to log to."""
    from mlflow.exceptions import MlflowException

    if run_id is not None and experiment is not None:
        raise ConfigError("give either --run-id or --experiment, not both.")
    if run_id is not None:
        try:
            run = client.get_run(run_id)
        except MlflowException as exc:
            raise ConfigError(f"--run-id {run_id!r}: no such MLflow run ({exc.message.splitlines()[0]}).") from None
        return run.info.run_id, run.info.experiment_id, False
    name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or "Default"
    found = client.get_experiment_by_name(name)
    experiment_id = found.experiment_id if found is not None else client.create_experiment(name)
    run = client.create_run(experiment_id, run_name="rai-assessment")
    return run.info.run_id, experiment_id, True


def log_assessment(
    assessment_path: str | Path,
    *,
    run_id: str | None = None,
    experiment: str | None = None,
    tracking_uri: str | None = None,
    policy_path: str | Path | None = None,
) -> LoggedRun:
    """Log an ``assessment.json`` to an MLflow run: metric stream, reports, gate verdict and tags.

    Parameters
    ----------
    assessment_path:
        The ``assessment.json`` written by ``rai assess``.
    run_id, experiment:
        Log to this existing run, or to a new run in this experiment (default
        ``$MLFLOW_EXPERIMENT_NAME``, else ``Default``); not both.
    tracking_uri:
        The tracking server (default ``$MLFLOW_TRACKING_URI``).
    policy_path:
        The gate policy of the logged verdict and reports (default: the shipped default policy).
    """
    from rai._mlflow_model import registry_client
    from rai.gate import load_assessment_dict, render_junit, render_markdown
    from rai.report import render_reports
    from rai.results import metric_stream

    client = registry_client(tracking_uri)  # first: a clear error when the mlflow extra is missing
    from mlflow.entities import Metric as MlflowMetric
    from mlflow.entities import RunTag

    path = Path(assessment_path)
    if path.is_dir():
        path = path / "assessment.json"
    doc = load_assessment_dict(str(path))
    gate = gate_assessment(doc, policy_path=policy_path, assessment_source=str(path))
    stream = metric_stream(doc)
    run_id, experiment_id, created = _target_run(client, run_id, experiment)

    now = int(time.time() * 1000)
    metrics: list[Any] = []
    insufficient = 0
    for m in stream:
        if m.insufficient or m.value is None:
            insufficient += 1
            continue
        metrics.append(MlflowMetric(metric_key(m.path, m.qualifiers), float(m.value), now, 0))
        for prefix, bound in (("rai_ci_low", m.ci_low), ("rai_ci_high", m.ci_high)):
            if bound is not None:
                metrics.append(MlflowMetric(metric_key(m.path, m.qualifiers, prefix=prefix), float(bound), now, 0))
    prov = doc.get("provenance") or {}
    tags = {
        "rai.version": str(prov.get("rai_version")),
        "rai.assessment_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rai.metrics.logged": str(len(stream) - insufficient),
        "rai.metrics.insufficient": str(insufficient),
        "rai.gate.status": gate.status,
        "rai.gate.policy": gate.policy_source,
        "rai.gate.policy_sha256": gate.policy_sha256,
    }
    for field in ("data_sha256", "reference_sha256", "labels_sha256", "model_sha256", "config_sha256", "model_uri"):
        if prov.get(field):
            tags[f"rai.{field}"] = str(prov[field])

    with tempfile.TemporaryDirectory(prefix="rai-mlflow-log-") as tmp:
        folder = Path(tmp) / "rai"
        folder.mkdir()
        (folder / "assessment.json").write_bytes(path.read_bytes())
        sig = path.with_name(path.name + ".sig")
        if sig.is_file():
            (folder / sig.name).write_bytes(sig.read_bytes())
        (folder / "metric_stream.json").write_text(
            json.dumps([m.to_dict() for m in stream], indent=1, allow_nan=False) + "\n", encoding="utf-8")
        render_reports(path, folder, policy=gate.policy)
        (folder / "gate").mkdir()
        (folder / "gate" / "verdict.json").write_text(
            json.dumps(gate.verdict.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        (folder / "gate" / "summary.md").write_text(render_markdown(gate.verdict) + "\n", encoding="utf-8")
        (folder / "gate" / "junit.xml").write_text(render_junit(gate.verdict), encoding="utf-8")
        artifacts = tuple(sorted(p.relative_to(tmp).as_posix() for p in folder.rglob("*") if p.is_file()))

        for start in range(0, len(metrics), _BATCH):
            client.log_batch(run_id, metrics=metrics[start:start + _BATCH])
        client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        client.log_artifacts(run_id, str(folder), artifact_path="rai")
    if created:
        client.set_terminated(run_id)
    return LoggedRun(run_id=run_id, experiment_id=experiment_id, n_metrics=len(metrics), n_insufficient=insufficient,
                     gate_status=gate.status, artifacts=artifacts)
