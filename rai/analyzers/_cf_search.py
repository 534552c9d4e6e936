"""A batched, constraint-aware counterfactual search over the ORIGINAL input columns.

Every column is coded against one vocabulary (the values of the reference, the pool and the
queried rows), so a candidate row is a vector of integer codes: generating, constraining,
measuring and decoding thousands of candidates is array work, and the model is called once per
round on all candidates of all queried rows at once.

Per round:

1. *Candidates*: every single-column change to a value on a grid of the reference (all allowed
   categories, quantiles of a numeric column), and, for each of the nearest pool rows the model
   already gives the desired outcome, the row with all of that neighbour's differing mutable
   values copied, and random subsets of them. Rows still without a counterfactual get up to
   three rounds of random multi-column changes drawn from the pool.
2. *Constraints* (``admissible``): immutable columns keep their value, a changed value must be
   plausible (a category seen in the reference, a number inside the reference's range unless
   allowed) and inside the user's permitted range, and a monotone column may move one way only.
3. *Validity*: one model call; a candidate counts only if the model's new output reaches the
   desired outcome.
4. *Sparsity*: each valid candidate is reduced greedily: every single revert of a changed column
   to its original value is predicted (one call for all), and a candidate that stays valid
   without a change drops it, until no change can go.
5. *Diversity*: the sparsest, closest counterfactual first, then those that trade a little
   proximity for distance from the ones already chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Constraints", "Encoding", "SearchOutcome", "search"]

#: Grid points of a numeric column for single-column changes.
NUMERIC_GRID = 16
#: Random subsets of a neighbour's differences tried per neighbour.
SUBSETS_PER_NEIGHBOUR = 4
#: Valid candidates per row (times ``per_row``) carried into the sparsity reduction.
REDUCE_PER_ROW = 4
#: Candidates kept per row that change the same set of columns.
PER_COLUMN_SET = 2
#: Random candidates per still-unsolved row in a fallback round.
RANDOM_CANDIDATES = 400
#: Fallback rounds for rows without a counterfactual.
MAX_ROUNDS = 3
#: Weight of the distance to counterfactuals already chosen (diversity) against proximity.
DIVERSITY_WEIGHT = 1.0


@dataclasses.dataclass(frozen=True)
class Constraints:
    """What a counterfactual may change, by column name."""

    immutable: frozenset[str]
    monotone: dict[str, str]  # column -> "increase" | "decrease"
    numeric_ranges: dict[str, tuple[float, float]]
    categorical_allowed: dict[str, frozenset[str]]  # display values
    allow_outside_range: bool


class Encoding:
    """Integer codes of every column over one vocabulary, and the range-normalised distance."""

    def __init__(self, reference: pd.DataFrame, others: list[pd.DataFrame], categorical: set[str]) -> None:
        """Code ``others`` (``frame_codes``, one matrix each); the reference gives the plausible values and ranges."""
        from rai.explain import display_value

        self.columns = list(reference.columns)
        self.categorical = [c in categorical for c in self.columns]
        self.vocab: list[Any] = []
        self.numbers: list[np.ndarray] = []
        self.scale = np.ones(len(self.columns))
        self.seen: list[np.ndarray] = []  # per column: vocabulary entries present in the reference
        self.display: list[np.ndarray] = []
        per_frame: list[list[np.ndarray]] = [[] for _ in others]
        for j, column in enumerate(self.columns):
            # only the reference's distinct values matter, not its rows: factorize those
            parts = _harmonise([reference[column].drop_duplicates(), *(f[column] for f in others)])
            codes, uniques = pd.factorize(pd.concat(parts, ignore_index=True), use_na_sentinel=False)
            self.vocab.append(uniques)
            self.display.append(np.array([display_value(u) for u in uniques], dtype=object))
            bounds = np.cumsum([0] + [len(p) for p in parts])
            for i in range(len(others)):
                per_frame[i].append(codes[bounds[i + 1]:bounds[i + 2]])
            seen = np.zeros(len(uniques), dtype=bool)
            seen[codes[: bounds[1]]] = True
            self.seen.append(seen)
            if self.categorical[j]:
                self.numbers.append(np.full(len(uniques), np.nan))
            else:
                nums = np.asarray(pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce"), dtype=float)
                self.numbers.append(nums)
                ref = nums[seen & np.isfinite(nums)]
                span = float(ref.max() - ref.min()) if len(ref) else 0.0
                self.scale[j] = 1.0 / span if span > 0 else 1.0
        self.frame_codes = [np.column_stack(p) if p else np.zeros((len(f), 0), dtype=int) for p, f in zip(per_frame, others)]

    def decode(self, C: np.ndarray) -> pd.DataFrame:
        """The candidates as a DataFrame of the original columns and dtypes."""
        out = {}
        for j, column in enumerate(self.columns):
            out[column] = self.vocab[j].take(C[:, j])
        return pd.DataFrame(out)

    def distance(self, C: np.ndarray, X0: np.ndarray) -> np.ndarray:
        """Range-normalised L1 for numeric columns, 0/1 for categorical ones, summed over the columns."""
        d = np.zeros(len(C))
        for j in range(len(self.columns)):
            differ = C[:, j] != X0[:, j]
            if self.categorical[j]:
                d += differ
                continue
            a, b = self.numbers[j][C[:, j]], self.numbers[j][X0[:, j]]
            step = np.abs(a - b) * self.scale[j]
            d += np.where(differ, np.where(np.isfinite(step), step, 1.0), 0.0)
        return d


def _harmonise(parts: list[pd.Series]) -> list[pd.Series]:
    """One dtype for a column across frames (categorical columns: the union of the categories)."""
    if any(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
        cats: list[Any] = []
        for p in parts:
            values = p.cat.categories if isinstance(p.dtype, pd.CategoricalDtype) else pd.unique(p.dropna())
            cats.extend(v for v in values if v not in set(cats))
        dtype = pd.CategoricalDtype(cats)
        return [p.astype(dtype) for p in parts]
    return parts


@dataclasses.dataclass
class SearchOutcome:
    """Per queried row: the chosen counterfactual codes (each ``(n_changes, p)``), and counters."""

    chosen: list[np.ndarray]
    candidates: int
    model_calls: int


class _Problem:
    """The queried rows, what each may become, and the model's verdict on candidates."""

    def __init__(
        self,
        enc: Encoding,
        X0: np.ndarray,
        constraints: Constraints,
        reached: Callable[[pd.DataFrame, np.ndarray], np.ndarray],
    ) -> None:
        self.enc = enc
        self.X0 = X0
        self.reached = reached
        self.calls = 0
        self.tried = 0
        p = len(enc.columns)
        self.mutable = np.array([c not in constraints.immutable for c in enc.columns], dtype=bool)
        # row-independent: which vocabulary entries a changed value may take
        self.permitted: list[np.ndarray] = []
        for j, column in enumerate(enc.columns):
            ok = np.ones(len(enc.display[j]), dtype=bool)
            if enc.categorical[j]:
                ok &= enc.seen[j]  # plausibility: categories seen in the reference
                ok &= enc.display[j] != "(missing)"
                if column in constraints.categorical_allowed:
                    ok &= np.isin(enc.display[j], list(constraints.categorical_allowed[column]))
            else:
                nums = enc.numbers[j]
                ok &= np.isfinite(nums)
                ref = nums[enc.seen[j] & np.isfinite(nums)]
                if not constraints.allow_outside_range and len(ref):
                    ok &= (nums >= ref.min()) & (nums <= ref.max())
                if column in constraints.numeric_ranges:
                    lo, hi = constraints.numeric_ranges[column]
                    ok &= (nums >= lo) & (nums <= hi)
            self.permitted.append(ok)
        self.monotone = {enc.columns.index(c): d for c, d in constraints.monotone.items()}
        self.p = p

    def admissible(self, C: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Candidates that respect every constraint for the row they were made from."""
        base = self.X0[owner]
        ok = np.ones(len(C), dtype=bool)
        for j in range(self.p):
            same = C[:, j] == base[:, j]
            if not self.mutable[j]:
                ok &= same
                continue
            allowed = self.permitted[j][C[:, j]]
            direction = self.monotone.get(j)
            if direction is not None:
                new, old = self.enc.numbers[j][C[:, j]], self.enc.numbers[j][base[:, j]]
                allowed &= (new >= old) if direction == "increase" else (new <= old)
            ok &= same | allowed
        return ok

    def valid(self, C: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """One model call: which candidates reach their row's desired outcome."""
        if len(C) == 0:
            return np.zeros(0, dtype=bool)
        self.calls += 1
        self.tried += len(C)
        return np.asarray(self.reached(self.enc.decode(C), owner), dtype=bool)


def search(
    enc: Encoding,
    X0: np.ndarray,
    pool: np.ndarray,
    pool_reached: np.ndarray,
    constraints: Constraints,
    reached: Callable[[pd.DataFrame, np.ndarray], np.ndarray],
    *,
    per_row: int,
    neighbours: int,
    max_changes: int | None,
    rng: np.random.Generator,
) -> SearchOutcome:
    """Find up to ``per_row`` valid, sparse, diverse counterfactuals for each row of ``X0``.

    ``pool`` holds codes of rows whose model outputs are known; ``pool_reached[i, k]`` says pool
    row ``k`` has the outcome row ``i`` wants. ``reached(frame, owner)`` predicts candidates and
    says which reach the desired outcome of their row ``owner``.
    """
    prob = _Problem(enc, X0, constraints, reached)
    n = len(X0)
    found: list[list[np.ndarray]] = [[] for _ in range(n)]
    if not prob.mutable.any():
        return SearchOutcome([np.zeros((0, prob.p), dtype=int) for _ in range(n)], 0, 0)

    keep = REDUCE_PER_ROW * per_row
    C, owner = _first_round(prob, pool, pool_reached, neighbours, rng)
    _collect(prob, C, owner, found, max_changes, keep)
    for _ in range(MAX_ROUNDS):
        # rows without a counterfactual get random multi-column changes (rows with fewer than
        # per_row keep what they have: each round costs a few model calls for every row in it)
        todo = np.array([i for i in range(n) if not found[i]], dtype=int)
        if len(todo) == 0:
            break
        C, owner = _random_round(prob, pool, todo, max_changes, rng)
        _collect(prob, C, owner, found, max_changes, keep)

    chosen = []
    for i in range(n):
        pool_i = np.unique(np.array(found[i]), axis=0) if found[i] else np.zeros((0, prob.p), dtype=int)
        chosen.append(_diverse(prob, pool_i, i, per_row))
    return SearchOutcome(chosen, prob.tried, prob.calls)


def _first_round(
    prob: _Problem, pool: np.ndarray, pool_reached: np.ndarray, neighbours: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    enc, X0, n = prob.enc, prob.X0, len(prob.X0)
    blocks, owners = [], []
    # single-column changes to values on the reference's grid
    for j in np.flatnonzero(prob.mutable):
        grid = _grid(enc, prob.permitted[j], j)
        if len(grid) == 0:
            continue
        C = np.repeat(X0, len(grid), axis=0)
        C[:, j] = np.tile(grid, n)
        blocks.append(C)
        owners.append(np.repeat(np.arange(n), len(grid)))
    # the nearest pool rows that already have the desired outcome: copy their differing values
    k = min(neighbours, len(pool))
    if k and len(pool):
        mut = np.flatnonzero(prob.mutable)
        for i in range(n):
            eligible = np.flatnonzero(pool_reached[i])
            if len(eligible) == 0:
                continue
            d = enc.distance(pool[eligible], np.repeat(X0[i:i + 1], len(eligible), axis=0))
            near = eligible[np.argsort(d, kind="stable")[:k]]
            diff = np.zeros((len(near), prob.p), dtype=bool)
            diff[:, mut] = pool[near][:, mut] != X0[i, mut]
            masks = [diff]
            for share in np.linspace(0.25, 0.75, SUBSETS_PER_NEIGHBOUR):
                masks.append(diff & (rng.random(diff.shape) < share))
            M = np.concatenate(masks)
            src = np.tile(pool[near], (len(masks), 1))
            C = np.where(M, src, X0[i])
            blocks.append(C)
            owners.append(np.full(len(C), i))
    return np.concatenate(blocks), np.concatenate(owners)


def _random_round(
    prob: _Problem, pool: np.ndarray, todo: np.ndarray, max_changes: int | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    mut = np.flatnonzero(prob.mutable)
    top = min(len(mut), max_changes or len(mut))
    owner = np.repeat(todo, RANDOM_CANDIDATES)
    C = prob.X0[owner].copy()
    src = pool[rng.integers(0, len(pool), size=len(C))]
    k = rng.integers(1, top + 1, size=len(C))
    # k random mutable columns per candidate: the k smallest of random keys
    keys = rng.random((len(C), len(mut)))
    pick = keys <= np.sort(keys, axis=1)[np.arange(len(C)), k - 1][:, None]
    cols = np.zeros((len(C), prob.p), dtype=bool)
    cols[:, mut] = pick
    return np.where(cols, src, C), owner


def _grid(enc: Encoding, permitted: np.ndarray, j: int) -> np.ndarray:
    codes = np.flatnonzero(permitted)
    if enc.categorical[j] or len(codes) <= NUMERIC_GRID:
        return codes
    values = enc.numbers[j][codes]
    order = np.argsort(values, kind="stable")
    picks = np.unique(np.round(np.linspace(0, len(codes) - 1, NUMERIC_GRID)).astype(int))
    return codes[order][picks]


def _collect(
    prob: _Problem, C: np.ndarray, owner: np.ndarray, found: list[list[np.ndarray]], max_changes: int | None, keep: int
) -> None:
    """Keep the admissible, valid candidates (the ``keep`` sparsest, closest per row), reduced to their necessary changes."""
    fine = prob.admissible(C, owner)
    C, owner = C[fine], owner[fine]
    C = np.unique(np.column_stack([owner, C]), axis=0)
    owner, C = C[:, 0], C[:, 1:]
    ok = prob.valid(C, owner)
    C, owner = _best(prob, C[ok], owner[ok], keep)
    C, owner = _reduce(prob, C, owner)
    changes = (C != prob.X0[owner]).sum(axis=1)
    fits = changes >= 1 if max_changes is None else (changes >= 1) & (changes <= max_changes)
    for c, i in zip(C[fits], owner[fits]):
        found[int(i)].append(c)


def _best(prob: _Problem, C: np.ndarray, owner: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, ``keep`` valid candidates: the fewest changes, then the smallest distance, at most
    ``PER_COLUMN_SET`` changing the same set of columns (so the diversity step has different changes to pick from)."""
    if len(C) == 0:
        return C, owner
    X = prob.X0[owner]
    changed = C != X
    _, signature = np.unique(changed, axis=0, return_inverse=True)
    order = np.lexsort((prob.enc.distance(C, X), changed.sum(axis=1), owner))
    seen = _rank_within(owner[order] * (signature.max() + 1) + signature.ravel()[order])
    order = order[seen < PER_COLUMN_SET]
    order = order[_rank_within(owner[order]) < keep]
    return C[order], owner[order]


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """Position of each element among the earlier elements with the same key (keys in any order)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    start = np.searchsorted(sorted_keys, sorted_keys, side="left")
    rank = np.empty(len(keys), dtype=int)
    rank[order] = np.arange(len(keys)) - start
    return rank


def _reduce(prob: _Problem, C: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy sparsity: drop a change whenever the candidate stays valid without it."""
    C = C.copy()
    active = (C != prob.X0[owner]).sum(axis=1) > 1
    while active.any():
        parents = np.flatnonzero(active)
        changed = C[parents] != prob.X0[owner[parents]]
        par, col = np.nonzero(changed)
        children = C[parents[par]].copy()
        children[np.arange(len(par)), col] = prob.X0[owner[parents[par]], col]
        ok = prob.valid(children, owner[parents[par]])
        dist = prob.enc.distance(children, prob.X0[owner[parents[par]]])
        dist[~ok] = np.inf
        active[:] = False
        # per parent, the valid child closest to the original row replaces it
        order = np.lexsort((dist, par))
        first = np.ones(len(order), dtype=bool)
        first[1:] = par[order][1:] != par[order][:-1]
        for k in order[first]:
            if np.isfinite(dist[k]):
                p = parents[par[k]]
                C[p] = children[k]
                active[p] = (C[p] != prob.X0[owner[p]]).sum() > 1
    return C, owner


def _diverse(prob: _Problem, cands: np.ndarray, i: int, per_row: int) -> np.ndarray:
    if len(cands) == 0:
        return cands
    x = np.repeat(prob.X0[i:i + 1], len(cands), axis=0)
    changes = (cands != x).sum(axis=1)
    dist = prob.enc.distance(cands, x)
    # prefer the sparsest: consider one change more than the minimum only when needed for per_row
    limit = changes.min()
    while (changes <= limit).sum() < per_row and limit < changes.max():
        limit += 1
    keep = np.flatnonzero(changes <= limit)
    cands, cost = cands[keep], changes[keep] + dist[keep]
    chosen = [int(np.argmin(cost))]
    apart = np.full(len(cands), np.inf)
    while len(chosen) < min(per_row, len(cands)):
        last = np.repeat(cands[chosen[-1]:chosen[-1] + 1], len(cands), axis=0)
        apart = np.minimum(apart, prob.enc.distance(cands, last))
        score = cost - DIVERSITY_WEIGHT * apart
        score[chosen] = np.inf
        chosen.append(int(np.argmin(score)))
    return cands[chosen]
