"""Nonparametric bootstrap by multinomial row weights, evaluated in chunks of replicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["bootstrap_weights", "bootstrap", "percentile_interval"]

#: Replicates evaluated at once; bounds memory at CHUNK x rows weights.
CHUNK = 32


def bootstrap_weights(n: int, n_boot: int, rng: np.random.Generator, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield (chunk, n) matrices of row counts: each row a resample of n rows with replacement."""
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)
        done += b


def bootstrap(metrics: Callable[[np.ndarray], dict[str, np.ndarray]], n: int, n_boot: int,
              rng: np.random.Generator) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Point estimates (unit weights) and ``n_boot`` bootstrap replicates of every metric."""
    point = {k: float(v[0]) for k, v in metrics(np.ones((1, n))).items()}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in point}
    for W in bootstrap_weights(n, n_boot, rng):
        for k, v in metrics(W).items():
            parts[k].append(v)
    samples = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in parts.items()}
    return point, samples


def percentile_interval(samples: np.ndarray, level: float) -> tuple[float | None, float | None]:
    """Percentile interval of the defined replicates; ``None`` when fewer than 10 are defined."""
    values = samples[np.isfinite(samples)]
    if len(values) < 10:
        return None, None
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)
