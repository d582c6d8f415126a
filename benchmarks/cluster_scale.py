"""How face clustering scales: time, peak memory and BCubed F on synthetic faces.

Synthetic 128-d unit vectors around ``min(n / 25, 5000)`` identities, with per-face noise
such that same-person cosine distances are ~0.3-0.5 (like SFace), plus 5 % pure-noise faces
(strangers). Each size/method runs in its own subprocess so that ``ru_maxrss`` is the peak
of that run alone (tracemalloc misses numpy/faiss/BLAS allocations).

Also times the incremental path: 1 % new faces (same identities, new noise) assigned to the
clustered library with ``assign_to_clusters``.

    .venv/bin/python benchmarks/cluster_scale.py --sizes 10000 100000 \\
        --methods agglomerative hdbscan

No assertions: it prints a table.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DIM = 128
ROOT = Path(__file__).resolve().parents[1]


def make_faces(
    n: int,
    seed: int,
    *,
    n_ids: int,
    variant: int = 0,
    noise_frac: float = 0.05,
    zipf: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(vectors (n, 128) float32 unit rows, truth ids with a unique negative id per stranger).

    ``seed`` fixes the identities (their centres); ``variant`` draws other faces of them.
    """
    centres = np.random.default_rng(seed).standard_normal((n_ids, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rng = np.random.default_rng([seed, variant])
    n_noise = int(round(n * noise_frac))
    n_real = n - n_noise
    if zipf > 0:
        weights = 1.0 / np.arange(1, n_ids + 1) ** zipf
        ids = rng.choice(n_ids, n_real, p=weights / weights.sum())
    else:
        ids = rng.integers(0, n_ids, n_real)
    out = np.empty((n, DIM), dtype=np.float32)
    chunk = 200_000  # keeps generation's own peak memory small
    for start in range(0, n_real, chunk):
        part = ids[start : start + chunk]
        s = rng.uniform(0.65, 0.95, part.size).astype(np.float32)
        g = rng.standard_normal((part.size, DIM)).astype(np.float32)
        out[start : start + part.size] = centres[part] + g * (s / np.sqrt(DIM))[:, None]
    out[n_real:] = rng.standard_normal((n_noise, DIM)).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    truth = np.concatenate([ids, -1 - variant * n - np.arange(n_noise)]).astype(np.int64)
    perm = rng.permutation(n)
    return out[perm], truth[perm]


def bcubed(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """BCubed precision, recall, F from contingency counts; predicted -1 = own singleton."""
    pred = pred.astype(np.int64).copy()
    lone = pred < 0
    pred[lone] = pred.max(initial=0) + 1 + np.arange(int(lone.sum()))
    _, p_inv, p_cnt = np.unique(pred, return_inverse=True, return_counts=True)
    _, t_inv, t_cnt = np.unique(truth, return_inverse=True, return_counts=True)
    pair = p_inv.astype(np.int64) * (int(t_inv.max()) + 1) + t_inv
    _, j_inv, j_cnt = np.unique(pair, return_inverse=True, return_counts=True)
    both = j_cnt[j_inv].astype(np.float64)
    precision = float(np.mean(both / p_cnt[p_inv]))
    recall = float(np.mean(both / t_cnt[t_inv]))
    return precision, recall, 2 * precision * recall / (precision + recall)


class _Phases(logging.Handler):
    """Collects the ``phase`` timings that cluster.py logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.phases: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        phase = getattr(record, "phase", None)
        if phase is not None:
            self.phases[phase] = self.phases.get(phase, 0.0) + float(record.seconds)  # type: ignore[attr-defined]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(n: int, method: str, args: argparse.Namespace) -> dict[str, object]:
    """One measured run (in a fresh process)."""
    sys.path.insert(0, str(ROOT))
    from faceorganizer.core.people.cluster import ClusterParams, assign_to_clusters, cluster_faces

    handler = _Phases()
    log = logging.getLogger("faceorganizer.core.people.cluster")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)

    n_ids = max(2, min(5000, n // 25))
    x, truth = make_faces(n, args.seed, n_ids=n_ids, zipf=args.zipf)
    rss_data = _rss_mb()
    params = ClusterParams(method=method, threshold=args.threshold, k=args.k)  # type: ignore[arg-type]
    t0, c0 = time.perf_counter(), _cpu_s()
    labels = cluster_faces(x, params=params)
    seconds, cpu = time.perf_counter() - t0, _cpu_s() - c0
    rss_peak = _rss_mb()
    precision, recall, f = bcubed(labels, truth)

    # Incremental: 1 % new faces of the same people (and strangers) against the library.
    # A new face is right if it gets the label most of its person's library faces got
    # (or -1 for a stranger / a person the library left unsorted).
    n_new = max(1, int(n * args.incremental))
    new_x, new_truth = make_faces(n_new, args.seed, n_ids=n_ids, variant=1, zipf=args.zipf)
    t1 = time.perf_counter()
    new_labels = assign_to_clusters(new_x, x, labels, threshold=args.threshold)
    inc_seconds = time.perf_counter() - t1
    majority = {}
    real = truth >= 0
    order = np.lexsort((labels[real], truth[real]))
    t_sorted, l_sorted = truth[real][order], labels[real][order]
    for ident in np.unique(t_sorted):
        lo, hi = np.searchsorted(t_sorted, [ident, ident + 1])
        vals, counts = np.unique(l_sorted[lo:hi], return_counts=True)
        majority[int(ident)] = int(vals[np.argmax(counts)])
    expected = np.array([majority.get(int(t), -1) if t >= 0 else -1 for t in new_truth])
    inc_acc = float(np.mean(new_labels == expected))

    return {
        "n": n,
        "method": method,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 1),
        "phases": {k: round(v, 2) for k, v in handler.phases.items()},
        "peak_rss_mb": round(rss_peak, 1),
        "data_rss_mb": round(rss_data, 1),
        "clusters": int(labels.max() + 1),
        "true_people": int(np.unique(truth[truth >= 0]).size),
        "unsorted": round(float(np.mean(labels < 0)), 4),
        "bcubed_p": round(precision, 4),
        "bcubed_r": round(recall, 4),
        "bcubed_f": round(f, 4),
        "inc_new": n_new,
        "inc_seconds": round(inc_seconds, 3),
        "inc_accuracy": round(inc_acc, 4),
        "inc_peak_rss_mb": round(_rss_mb(), 1),
    }


def main() -> None:
    """Run every size x method in its own subprocess and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument(
        "--methods",
        nargs="+",
        default=["agglomerative", "hdbscan"],
        choices=["agglomerative", "hdbscan"],
    )
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--k", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--zipf", type=float, default=0.0, help="identity size skew (0 = uniform)")
    ap.add_argument("--incremental", type=float, default=0.01, help="fraction of new faces")
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds per run")
    ap.add_argument("--worker", nargs=2, metavar=("N", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(worker(int(args.worker[0]), args.worker[1], args)))
        return

    rows: list[dict[str, object]] = []
    for n in args.sizes:
        for method in args.methods:
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                str(n),
                method,
                "--threshold",
                str(args.threshold),
                "--k",
                str(args.k),
                "--seed",
                str(args.seed),
                "--zipf",
                str(args.zipf),
                "--incremental",
                str(args.incremental),
            ]
            print(f"running n={n} method={method} ...", flush=True)
            start = time.perf_counter()
            try:
                done = subprocess.run(
                    cmd,
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    env={**os.environ, "PYTHONWARNINGS": "ignore"},
                )
            except subprocess.TimeoutExpired:
                rows.append({"n": n, "method": method, "error": f"timeout {args.timeout:.0f}s"})
                print(f"  timed out after {args.timeout:.0f}s", flush=True)
                continue
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
                rows.append({"n": n, "method": method, "error": f"rc {done.returncode}: {tail}"})
                print(f"  failed: {tail}", flush=True)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row["wall_s"] = round(time.perf_counter() - start, 1)
            rows.append(row)
            print(f"  {json.dumps(row)}", flush=True)

    columns = [
        ("n", "n", 9),
        ("method", "method", 13),
        ("seconds", "seconds", 8),
        ("cpu s", "cpu_s", 7),
        ("phases (s)", "phases", 36),
        ("peak MB", "peak_rss_mb", 8),
        ("data MB", "data_rss_mb", 8),
        ("people", "clusters", 7),
        ("true", "true_people", 6),
        ("unsorted", "unsorted", 8),
        ("B3 P", "bcubed_p", 6),
        ("B3 R", "bcubed_r", 6),
        ("B3 F", "bcubed_f", 6),
        ("inc new", "inc_new", 7),
        ("inc s", "inc_seconds", 6),
        ("inc acc", "inc_accuracy", 7),
    ]
    header = " ".join(f"{title:>{width}}" for title, _, width in columns)
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        if "error" in r:
            print(f"{r['n']:>9} {r['method']:>13} {r['error']}")
            continue
        cells = []
        for _, key, width in columns:
            value = r[key]
            if isinstance(value, dict):
                value = " ".join(f"{k}={v}" for k, v in value.items())
            cells.append(f"{value!s:>{width}}")
        print(" ".join(cells))


if __name__ == "__main__":
    main()
