"""Nonparametric bootstrap by multinomial row weights, evaluated in chunks of replicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["bootstrap_weights", "bootstrap", "percentile_interval"]

#: Replicates evaluated at once; bounds memory at CHUNK x rows weights.
CHUNK = 32


def bootstrap_weights(n: int, n_boot: int, rng: np.random.Generator, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield (n, chunk) matrices of row counts: each column a resample of n rows with replacement."""
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        # flat position row * b + replicate, so the counts come out C-ordered as (n, b)
        rows = rng.integers(0, n, size=(b, n), dtype=np.int64)
        flat = (rows * b + np.arange(b)[:, None]).ravel()
        yield np.bincount(flat, minlength=n * b).reshape(n, b).astype(float)
        done += b


def bootstrap(metrics: Callable[[np.ndarray], dict[str, np.ndarray]], n: int, n_boot: int,
              rng: np.random.Generator) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Point estimates (unit weights) and ``n_boot`` bootstrap replicates of every metric."""
    point = {k: float(v[0]) for k, v in metrics(np.ones((n, 1))).items()}
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
