"""Nonparametric bootstrap by resampling counts of *atoms*, evaluated in chunks of replicates.

An atom is a set of rows that every metric treats alike (rows of one confusion cell; rows with
the same label, prediction and score). Resampling n rows with replacement and counting the draws
per atom gives multinomial(n, counts / n) atom counts, so drawing those counts directly is the
same bootstrap at a cost that grows with the number of atoms instead of the rows: a handful of
confusion cells costs nothing whatever n is. When atoms are nearly as many as rows, drawing rows
is cheaper than one binomial draw per atom, and gives the very same replicates as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["resample", "bootstrap", "percentile_interval"]

#: Replicates evaluated at once; bounds memory at CHUNK x atoms counts.
CHUNK = 32

#: Draw atom counts directly when there are at most rows / FEW_ATOMS atoms: a binomial draw per
#: atom costs about as much as eight row draws.
FEW_ATOMS = 8


def resample(atoms: np.ndarray, n_boot: int, rng: np.random.Generator, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield (K, chunk) int matrices: per column, the atom counts of a resample of the rows with replacement.

    ``atoms`` holds the atom (0 .. K-1, each used) of every row.
    """
    atoms = np.asarray(atoms, dtype=np.int64)
    n = len(atoms)
    counts = np.bincount(atoms)
    few = 0 < len(counts) * FEW_ATOMS <= n
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        if few:
            yield rng.multinomial(n, counts / n, size=b).T
        else:
            # one replicate at a time: its counts fit in cache, unlike a scatter over atoms x chunk
            yield np.stack([np.bincount(atoms[r], minlength=len(counts))
                            for r in rng.integers(0, n, size=(b, n), dtype=np.int64)], axis=1)
        done += b


def bootstrap(metrics: Callable[[np.ndarray], dict[str, np.ndarray]], atoms: np.ndarray, n_boot: int,
              rng: np.random.Generator) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Point estimates (the observed atom counts) and ``n_boot`` bootstrap replicates of every metric."""
    point = {k: float(v[0]) for k, v in metrics(np.bincount(atoms)[:, None]).items()}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in point}
    for counts in resample(atoms, n_boot, rng):
        for k, v in metrics(counts).items():
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
