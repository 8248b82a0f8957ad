"""Time every default probe at N=2000 and N=20000 (D=2048, C=100, 1000 source classes).

    python benchmarks/speed_probes.py            # both sizes (a few minutes on 2 cores)
    python benchmarks/speed_probes.py --small    # N=500 D=256 C=10, seconds
    python benchmarks/speed_probes.py --timeout 120 --size 5000,1024,50
    python benchmarks/speed_probes.py --nleep-agreement 0   # capped N-LEEP vs the reference

Each probe of ``probes.default_probes()`` runs with the advisor's registry options in a
spawned child (benchmarks/probes.py's harness: best of up to 3 for probes under 1 s, a
probe past --timeout is stopped and shown as ">T s"), on synthetic Gaussian class
clusters with a random 1000-class source head. Prints one table of wall seconds (CPU
seconds) per probe and size, the total per size against the 60 s target at N=20000, and
the load average, since a shared machine's wall times are noisy.
``benchmarks/speed.py`` runs its ``main`` (``--small`` under ``--quick``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
# a script's own folder comes first on sys.path, and benchmarks/probes.py would shadow probes/
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

FULL_SIZES = [(2000, 2048, 100), (20000, 2048, 100)]
SMALL_SIZES = [(500, 256, 10)]
TARGET = ((20000, 2048, 100), 60.0)  # every default probe together, on an idle machine


def measure(sizes, timeout_s: float, names=None, log=sys.stderr) -> dict:
    """{size: {probe: (wall s | None, cpu s | None)}} for the default probes at each size."""
    import probes  # the children import what the probes load lazily (benchmarks/probes.py)
    from benchmarks.probes import make_data, time_probe

    names = names or probes.default_probes()
    results: dict = {}
    for size in sizes:
        data = make_data(*size)
        results[size] = {}
        for name in names:
            wall, cpu, cell = time_probe(name, data, timeout_s)
            results[size][name] = (wall, cpu)
            print(f"  {name:<20} N={size[0]} D={size[1]} C={size[2]} {cell}", file=log, flush=True)
    return results


def table(results: dict, timeout_s: float) -> str:
    """Markdown table: wall s (CPU s) per probe and size, and the totals."""
    sizes = list(results)
    names = list(next(iter(results.values())))

    def cell(wall, cpu):
        return f">{timeout_s:.0f}" if wall is None else f"{wall:.2f} ({cpu:.2f})"

    lines = [
        "| probe | " + " | ".join(f"N={n} D={d} C={c}" for n, d, c in sizes) + " |",
        "|---" * (len(sizes) + 1) + "|",
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(cell(*results[s][name]) for s in sizes) + " |")
    totals = []
    for size in sizes:
        walls = [w for w, _ in results[size].values()]
        cpus = [c for _, c in results[size].values() if c is not None]
        done = sum(w for w in walls if w is not None)
        prefix = ">" if None in walls else ""
        totals.append(f"**{prefix}{done:.2f}** ({sum(cpus):.2f})")
    lines.append("| total | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def section(*, small: bool = False, timeout_s: float = 300.0, sizes=None, names=None) -> str:
    """The probes-at-both-sizes section of the speed benchmark, as printable text."""
    sizes = sizes or (SMALL_SIZES if small else FULL_SIZES)
    load = os.getloadavg()
    start = time.perf_counter()
    results = measure(sizes, timeout_s, names)
    out = [
        f"## Default probes at scale ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        f"{os.cpu_count()} CPUs, BLAS threads "
        f"{os.environ.get('OMP_NUM_THREADS') or os.environ.get('OPENBLAS_NUM_THREADS') or 'all'}"
        f", load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"at end {os.getloadavg()[0]:.2f}; wall s (CPU s), float32 features, "
        "registry options",
        "",
        table(results, timeout_s),
    ]
    size, target = TARGET
    if size in results:
        walls = [w for w, _ in results[size].values()]
        total = sum(w for w in walls if w is not None)
        met = None not in walls and total <= target
        out.append(
            f"\ntarget: all default probes at N={size[0]} D={size[1]} C={size[2]} within "
            f"{target:.0f} s on an idle machine: {total:.1f} s here ({'met' if met else 'NOT met'})"
        )
    out.append(f"(benchmark wall time {time.perf_counter() - start:.0f} s)")
    return "\n".join(out)


def digit_candidates(x: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Nine feature sets of varied quality built from sklearn's digit pixels."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    pooled = x.reshape(n, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(n, 16)
    return {
        "pixels": x,
        "pixels+noise4": x + 4 * rng.standard_normal((n, 64)),
        "pixels+noise8": x + 8 * rng.standard_normal((n, 64)),
        "proj16": x @ rng.standard_normal((64, 16)),
        "proj8": x @ rng.standard_normal((64, 8)),
        "tanh256": np.tanh(x / 16 @ rng.standard_normal((64, 256))),
        "pixels|noise192": np.hstack([x, 4 * rng.standard_normal((n, 192))]),
        "pool16": pooled,
        "noise64": 4 * rng.standard_normal((n, 64)),
    }


def nleep_agreement(shifts: int = 0) -> str:
    """Capped N-LEEP against the reference on digit candidates: Spearman, Kendall, max diff.

    shifts (0-3): append copies of the digits shifted by one pixel, for a larger N.
    """
    from scipy import stats
    from sklearn.datasets import load_digits

    import probes

    x, y = load_digits(return_X_y=True)
    images = x.reshape(-1, 8, 8)
    moved = [np.roll(images, 1, axis=2), np.roll(images, 1, axis=1), np.roll(images, -1, axis=2)]
    x = np.vstack([x] + [m.reshape(-1, 64) for m in moved[:shifts]])
    y = np.tile(y, shifts + 1)
    variants = {
        "reference seed 0": {},
        "reference seed 1": {"seed": 1},
        "max_dim=64": {"max_dim": 64},
        "max_samples=1000": {"max_samples": 1000},
        "registry options": dict(probes.REGISTRY["nleep"].options),
        "max_samples=1000 max_dim=64": {"max_samples": 1000, "max_dim": 64},
    }
    candidates = digit_candidates(x)
    lines = [f"N-LEEP agreement on {len(candidates)} digit candidates, N={len(y)}"]
    scores = {}
    for name, options in variants.items():
        start = time.process_time()
        scores[name] = np.array([probes.nleep(f, y, **options) for f in candidates.values()])
        ref = scores["reference seed 0"]
        lines.append(
            f"  {name:<30} Spearman {stats.spearmanr(ref, scores[name])[0]:.3f} "
            f"Kendall {stats.kendalltau(ref, scores[name])[0]:.3f} "
            f"max|diff| {np.abs(scores[name] - ref).max():.3f} "
            f"CPU {time.process_time() - start:.1f} s"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="one small size, a quick run")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per probe and size")
    parser.add_argument("--probes", default=None, help="comma-separated (default: default set)")
    parser.add_argument(
        "--size", action="append", default=None, metavar="N,D,C", help="size(s) to run instead"
    )
    parser.add_argument(
        "--nleep-agreement",
        type=int,
        default=None,
        metavar="SHIFTS",
        help="instead: capped N-LEEP vs the reference on digits (+SHIFTS shifted copies, 0-3)",
    )
    args = parser.parse_args(argv)
    if args.nleep_agreement is not None:
        print(nleep_agreement(args.nleep_agreement))
        return 0
    sizes = None
    if args.size:
        try:
            sizes = [tuple(int(v) for v in item.split(",")) for item in args.size]
        except ValueError:
            print("--size must look like 20000,2048,100 (N,D,C)", file=sys.stderr)
            return 2
    names = args.probes.split(",") if args.probes else None
    print(section(small=args.small, timeout_s=args.timeout, sizes=sizes, names=names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
