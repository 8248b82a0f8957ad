"""Exact k nearest neighbours of every row among the others, at float32 matrix-product speed.

Up to 2048 rows, one float64 product of all pairs. Above, a symmetric blocked pass of
float32 products keeps each row's ``keep`` best candidates; a rounding-error bound then
proves, row by row, that the float64 top-k lies among them, and float64 recomputes the
similarities of just those. Rows the bound cannot settle (near ties finer than float32
resolves) are redone in float64 against every row, so the result equals a float64 brute
force up to exact ties.
"""

from __future__ import annotations

import numpy as np

_U32 = float(np.finfo(np.float32).eps) / 2  # unit roundoff of float32
_BLOCK_BYTES = 16 * 2**20  # one float32 similarity block (2048 x 2048)
_GATHER_BYTES = 64 * 2**20  # gathered float64 neighbour rows per refinement chunk
_DIRECT_N = 2048  # up to here one float64 product of all pairs is cheaper than screening


def exact_nearest(x: np.ndarray, k: int, *, euclidean: bool) -> tuple[np.ndarray, np.ndarray]:
    """(similarities [N, k] float64, indices [N, k]) of every row's k nearest other rows.

    Similarity is x_i . x_j (cosine on unit rows) or, with ``euclidean``, -||x_i - x_j||^2;
    each row's neighbours come nearest first. x: float64 [N, D] with N > k.
    """
    n, d = x.shape
    if euclidean:  # distances ignore a shift; centring shrinks the norms, so the float32 error
        x = x - x.mean(axis=0)
    sq = np.einsum("ij,ij->i", x, x)
    if n <= _DIRECT_N:
        return _float64_nearest(x, sq, np.arange(n), k, euclidean)
    keep = min(n - 1, 2 * k + 8)
    # at least 4 row blocks, so the symmetric pass skips ~3/8 of the products even at small N
    block = max(256, min(int(np.sqrt(_BLOCK_BYTES / 4)), -(-n // 4)))
    cand_v, cand_i = _screen(x.astype(np.float32), sq.astype(np.float32), keep, euclidean, block)
    order = np.argsort(-cand_v, axis=1, kind="stable")
    cand_v = np.take_along_axis(cand_v, order, axis=1).astype(np.float64)
    cand_i = np.take_along_axis(cand_i, order, axis=1)
    # |float32 - float64 similarity| <= err (conversions, d-term dot products, the two shifts)
    if euclidean:
        err = 1.05 * (d + 16) * _U32 * (sq + sq.max())
    else:
        norms = np.sqrt(sq)
        err = 1.05 * (d + 4) * _U32 * norms * norms.max()
    floor = cand_v[:, k - 1] - 2 * err  # every float64 top-k member scores above it in float32
    settled = cand_v[:, k] < floor if keep > k else np.ones(n, dtype=bool)
    within = (cand_v[:, -1] < floor) | (keep == n - 1)
    sims = np.empty((n, k))
    index = np.empty((n, k), dtype=np.int64)
    for rows, width in ((np.flatnonzero(settled), k), (np.flatnonzero(~settled & within), keep)):
        if rows.size:
            sims[rows], index[rows] = _refine(x, rows, cand_i[rows, :width], k, euclidean)
    rows = np.flatnonzero(~within)
    if rows.size:
        sims[rows], index[rows] = _float64_nearest(x, sq, rows, k, euclidean)
    return sims, index


def _screen(x32, sq32, keep: int, euclidean: bool, block: int):
    """Each row's ``keep`` largest float32 similarities to the other rows (unordered)."""
    n = x32.shape[0]
    best_v = np.full((n, keep), -np.inf, dtype=np.float32)
    best_i = np.full((n, keep), -1, dtype=np.int64)
    starts = range(0, n, block)
    for a0 in starts:
        a1 = min(a0 + block, n)
        for b0 in starts:
            if b0 < a0:
                continue
            b1 = min(b0 + block, n)
            sim = x32[a0:a1] @ x32[b0:b1].T
            if euclidean:  # minus squared distance: higher = nearer
                sim *= 2
                sim -= sq32[a0:a1, None]
                sim -= sq32[None, b0:b1]
            if a0 == b0:
                np.fill_diagonal(sim, -np.inf)  # leave one out
            _fold(best_v[a0:a1], best_i[a0:a1], sim, b0)
            if a0 != b0:  # the block serves its columns' rows too
                _fold(best_v[b0:b1], best_i[b0:b1], sim.T, a0)
    return best_v, best_i


def _fold(best_v: np.ndarray, best_i: np.ndarray, sim: np.ndarray, col0: int) -> None:
    """Merge a block of candidates into the running top lists (views, updated in place)."""
    keep = best_v.shape[1]
    floor = best_v.min(axis=1)
    hits = None if np.isneginf(floor).any() else sim > floor[:, None]
    count = sim.size if hits is None else np.count_nonzero(hits)
    if count == 0:
        return
    if 4 * count > sim.size:  # most entries compete (a row's first block): dense merge
        values = np.concatenate([best_v, sim], axis=1)
        index = np.concatenate(
            [best_i, np.broadcast_to(np.arange(col0, col0 + sim.shape[1]), sim.shape)], axis=1
        )
        top = np.argpartition(values, values.shape[1] - keep, axis=1)[:, -keep:]
        best_v[:] = np.take_along_axis(values, top, axis=1)
        best_i[:] = np.take_along_axis(index, top, axis=1)
        return
    # few entries beat a row's current floor: sort just those with the rows' lists
    hit_r, hit_c = np.nonzero(hits)
    rows = np.unique(hit_r)
    all_r = np.concatenate([np.repeat(rows, keep), hit_r])
    all_v = np.concatenate([best_v[rows].ravel(), sim[hit_r, hit_c]])
    all_i = np.concatenate([best_i[rows].ravel(), hit_c + col0])
    order = np.lexsort((-all_v, all_r))
    sizes = np.bincount(hit_r, minlength=best_v.shape[0])[rows] + keep
    rank = np.arange(order.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    chosen = order[rank < keep]
    best_v[rows] = all_v[chosen].reshape(-1, keep)
    best_i[rows] = all_i[chosen].reshape(-1, keep)


def _float64_nearest(x, sq, rows: np.ndarray, k: int, euclidean: bool):
    """The k nearest other rows of some rows, nearest first, from float64 products."""
    sims = np.empty((rows.size, k))
    index = np.empty((rows.size, k), dtype=np.int64)
    step = max(1, _GATHER_BYTES // (8 * x.shape[0]))
    for c0 in range(0, rows.size, step):
        r = rows[c0 : c0 + step]
        sim = x[r] @ x.T
        if euclidean:
            sim = 2 * sim - sq[r, None] - sq[None, :]
        sim[np.arange(r.size), r] = -np.inf  # leave one out
        top = np.argpartition(sim, sim.shape[1] - k, axis=1)[:, -k:]
        top_sim = np.take_along_axis(sim, top, axis=1)
        order = np.argsort(-top_sim, axis=1, kind="stable")
        sims[c0 : c0 + step] = np.take_along_axis(top_sim, order, axis=1)
        index[c0 : c0 + step] = np.take_along_axis(top, order, axis=1)
    return sims, index


def _refine(x, rows: np.ndarray, cands: np.ndarray, k: int, euclidean: bool):
    """Float64 similarities of rows to their candidates; the k best, nearest first."""
    sims = np.empty((rows.size, k))
    index = np.empty((rows.size, k), dtype=np.int64)
    step = max(1, _GATHER_BYTES // (8 * cands.shape[1] * x.shape[1]))
    for c0 in range(0, rows.size, step):
        r, c = rows[c0 : c0 + step], cands[c0 : c0 + step]
        if euclidean:
            diff = x[c] - x[r][:, None, :]
            sim = -np.einsum("mkd,mkd->mk", diff, diff)
        else:
            sim = np.einsum("md,mkd->mk", x[r], x[c])
        best = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        sims[c0 : c0 + step] = np.take_along_axis(sim, best, axis=1)
        index[c0 : c0 + step] = np.take_along_axis(c, best, axis=1)
    return sims, index
