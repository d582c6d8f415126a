"""Face search: latency, memory and recall of the exact and approximate indexes; and thresholds.

Two modes:

* default (``--sizes 10000 100000 1000000``): synthetic 128-d unit vectors around identities
  (the shape of a real library: a few hundred faces per person at most, most people with few),
  stored in :class:`faceorganizer.core.search.index.FaceIndex` exact and approximate (hnswlib,
  and faiss HNSW for comparison); for each, build time, top-10 latency per query (one query at
  a time, and a batch of 256), recall@10 against exact search, and the index's memory. Each
  size runs in its own subprocess so the peak RSS figures are separate.
* ``--thresholds``: the genuine / impostor cosine similarities that ``compare`` and ``find``
  state, measured on the shared labelled sets, and the FMR / FNMR table in docs/thresholds.md,
  with the logistic fit that turns a similarity into a probability.

    .venv/bin/python benchmarks/search_bench.py [--sizes 10000 100000] [--threads 2]
    .venv/bin/python benchmarks/search_bench.py --thresholds [--lfw-db /tmp/lfw.db]
                                                [--celeba-db /tmp/celeba.db]

``--lfw-db`` is a database where ``shared/data/lfw-fold1`` was scanned, ``--celeba-db`` one where
``shared/data/celeba-wild`` was (``faceorganizer scan FOLDER --db FILE``); the labelled
``celebrities`` photos are run through the engine directly. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"
RESULT_PREFIX = "RESULT "
FAISS_MAX = 100_000
DIM = 128
NOISE = 0.072  # per-dimension: 1 / (1 + 128 NOISE²) ≈ 0.6, the genuine cosine


# -- synthetic library ----------------------------------------------------------------------------
def synthetic(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    """n unit vectors of people with 1 to a few hundred faces each (Zipf-like, mean ~20).

    Each face is its person's centre plus Gaussian noise sized so that two faces of one person
    have cosine ≈ 0.6 and two people ≈ 0 ± 0.09: the genuine / impostor medians SFace shows on
    the shared labelled sets (docs/thresholds.md).
    """
    rng = np.random.default_rng(seed)
    sizes = np.minimum(rng.zipf(1.6, n), 300)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    owner = np.repeat(np.arange(len(sizes)), sizes)[:n]
    centres = rng.standard_normal((len(sizes), dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), np.float32)
    step = 100_000
    for s in range(0, n, step):
        o = owner[s : s + step]
        noise = rng.standard_normal((len(o), dim)).astype(np.float32) * np.float32(NOISE)
        out[s : s + step] = centres[o] + noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def queries_for(stored: np.ndarray, m: int, seed: int = 1) -> np.ndarray:
    """New faces of stored people: a stored face's person's likeness plus fresh noise."""
    rng = np.random.default_rng(seed)
    base = stored[rng.integers(0, len(stored), m)]
    q = base + rng.standard_normal(base.shape).astype(np.float32) * np.float32(NOISE * 0.7)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(found, truth, strict=True))
    return hits / truth.size


def _time_queries(search: Any, q: np.ndarray, k: int, single: int) -> tuple[float, float]:
    """(ms per query one at a time, ms per query in one batch)."""
    search(q[:1], k)  # warm
    t = time.perf_counter()
    for i in range(single):
        search(q[i : i + 1], k)
    one = (time.perf_counter() - t) * 1000 / single
    t = time.perf_counter()
    search(q, k)
    batch = (time.perf_counter() - t) * 1000 / len(q)
    return one, batch


def measure_size(n: int, threads: int, k: int = 10) -> list[dict[str, Any]]:
    """Every method at one library size (run in a subprocess)."""
    from faceorganizer.core.search.index import FaceIndex

    rows: list[dict[str, Any]] = []
    base_rss = _rss_mb()
    vectors = synthetic(n)
    ids = np.arange(1, n + 1, dtype=np.int64)
    q = queries_for(vectors, 256)
    data_mb = vectors.nbytes / 2**20
    single = 50 if n >= 1_000_000 else 200

    t = time.perf_counter()
    exact = FaceIndex(ids, vectors, approximate=False, threads=threads)
    build = time.perf_counter() - t
    truth, _ = exact.search(q, k)
    one, batch = _time_queries(exact.search, q, k, single)
    rows.append(
        dict(
            n=n,
            method="exact (numpy matmul)",
            build_s=build,
            ms_one=one,
            ms_batch=batch,
            recall=1.0,
            index_mb=data_mb,
            rss_mb=_rss_mb() - base_rss,
        )
    )
    del exact

    rss0 = _rss_mb()
    t = time.perf_counter()
    approx = FaceIndex(ids, vectors, approximate=True, threads=threads)
    build = time.perf_counter() - t
    found, _ = approx.search(q, k)
    one, batch = _time_queries(approx.search, q, k, single)
    rows.append(
        dict(
            n=n,
            method=f"hnswlib (M={approx.hnsw_m}, ef={approx.ef_search})",
            build_s=build,
            ms_one=one,
            ms_batch=batch,
            recall=_recall(found, truth),
            index_mb=_rss_mb() - rss0,
            rss_mb=_rss_mb() - base_rss,
        )
    )
    del approx

    if n > FAISS_MAX:  # alike at 10k and 100k; skipped above to save a multi-minute build
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for r in rows:
            r["peak_rss_mb"] = peak
        return rows
    import faiss

    faiss.omp_set_num_threads(threads)
    rss0 = _rss_mb()
    t = time.perf_counter()
    fi = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    fi.hnsw.efConstruction = 200
    fi.add(vectors)
    fi.hnsw.efSearch = 256
    build = time.perf_counter() - t

    def fsearch(qq: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
        sims, idx = fi.search(qq, kk)
        return ids[idx], sims

    found, _ = fsearch(q, k)
    one, batch = _time_queries(fsearch, q, k, single)
    rows.append(
        dict(
            n=n,
            method="faiss IndexHNSWFlat (M=32, ef=256)",
            build_s=build,
            ms_one=one,
            ms_batch=batch,
            recall=_recall(found, truth),
            index_mb=_rss_mb() - rss0,
            rss_mb=_rss_mb() - base_rss,
        )
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for r in rows:
        r["peak_rss_mb"] = peak
    return rows


def run_sizes(sizes: list[int], threads: int) -> None:
    """Each size in its own subprocess; print a markdown table."""
    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}  threads: {threads}")
    header = (
        "| faces | method | build s | ms/query (one) | ms/query (batch 256) | recall@10 "
        "| index MB | process peak RSS MB |"
    )
    lines = [header, "|" + "---|" * 8]
    for n in sizes:
        env = dict(
            os.environ,
            OMP_NUM_THREADS=str(threads),
            OPENBLAS_NUM_THREADS=str(threads),
            MKL_NUM_THREADS=str(threads),
        )
        proc = subprocess.run(
            [sys.executable, __file__, "--one-size", str(n), "--threads", str(threads)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        out = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
        if proc.returncode != 0 or not out:
            print(f"size {n} failed:\n{proc.stderr[-2000:]}")
            continue
        for r in json.loads(out[-1][len(RESULT_PREFIX) :]):
            lines.append(
                f"| {r['n']:,} | {r['method']} | {r['build_s']:.1f} | {r['ms_one']:.2f} "
                f"| {r['ms_batch']:.3f} | {r['recall']:.4f} | {r['index_mb']:.0f} "
                f"| {r['peak_rss_mb']:.0f} |"
            )
        print(f"size {n} done; load average: {os.getloadavg()}", flush=True)
    print("\n".join(lines))
    print(f"load average after: {os.getloadavg()}")


# -- thresholds -----------------------------------------------------------------------------------
def _all_pairs(vectors: np.ndarray, truth: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair of labelled faces: (similarities, same person)."""
    sims = vectors @ vectors.T
    lab = np.asarray(truth)
    iu = np.triu_indices(len(truth), k=1)
    return sims[iu].astype(np.float64), lab[iu[0]] == lab[iu[1]]


def lfw_pairs(db_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """LFW fold 1's 600 verification pairs, the face nearest each photo's centre."""
    from faceorganizer.core.evaluate.labelled import centre_faces
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    with Database(db_path, readonly=True) as db:
        faces = centre_faces(db)
        vec = FaceRepository(db).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    sims, same = [], []
    with (DATA / "lfw-fold1" / "pairs.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            fa, fb = faces.get(row["file_a"]), faces.get(row["file_b"])
            if fa is None or fb is None:
                continue
            sims.append(float(vec.vectors[pos[fa]] @ vec.vectors[pos[fb]]))
            same.append(row["same"] == "1")
    return np.asarray(sims), np.asarray(same)


def lfw_all_pairs(db_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of labelled LFW fold-1 photos (centre face)."""
    from faceorganizer.core.evaluate.labelled import centre_faces, read_label_csv
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    labels = read_label_csv(DATA / "lfw-fold1" / "labels.csv")
    with Database(db_path, readonly=True) as db:
        faces = centre_faces(db)
        vec = FaceRepository(db).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    keep = [(f, p) for f, p in sorted(labels.items()) if f in faces]
    v = vec.vectors[[pos[faces[f]] for f, _ in keep]]
    return _all_pairs(v, [p for _, p in keep])


def celeba_all_pairs(db_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of labelled celeba-wild photos (largest face)."""
    from faceorganizer.core.evaluate.labelled import labelled_faces, read_label_csv
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    labels = {
        f"celeba-wild/{f}": p
        for f, p in read_label_csv(DATA / "celeba-wild" / "labels.csv").items()
    }
    with Database(db_path, readonly=True) as db:
        lab = labelled_faces(db, labels)
        vec = FaceRepository(db).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    v = vec.vectors[[pos[f] for f in lab.face_ids]]
    return _all_pairs(v, lab.truth)


def celebrities_all_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Every pair of the labelled celebrities photos (largest face, run through the engine)."""
    from faceorganizer.core.evaluate.labelled import read_label_csv
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import decode_bytes
    from faceorganizer.core.records import EngineOptions

    folder = DATA / "celebrities"
    labels = read_label_csv(folder / "labels.csv")
    engine = FaceEngine(EngineOptions(device="cpu"))
    vecs, truth = [], []
    for file, person in sorted(labels.items()):
        faces = engine.analyse(decode_bytes((folder / file).read_bytes()))
        if faces:
            vecs.append(faces[0].embedding)
            truth.append(person)
    return _all_pairs(np.asarray(vecs, np.float32), truth)


def threshold_at_fmr(sims: np.ndarray, same: np.ndarray, fmr: float) -> float:
    """Lowest threshold whose false-match rate (impostor sims ≥ t) is ≤ ``fmr``."""
    imp = np.sort(sims[~same])[::-1]
    allowed = int(np.floor(fmr * len(imp)))  # this many impostors may pass
    return float(np.nextafter(imp[allowed], np.inf)) if allowed < len(imp) else float(imp[-1])


def threshold_at_fnmr(sims: np.ndarray, same: np.ndarray, fnmr: float) -> float:
    """Highest threshold whose false-non-match rate (genuine sims < t) is ≤ ``fnmr``."""
    gen = np.sort(sims[same])
    allowed = int(np.floor(fnmr * len(gen)))  # this many genuine pairs may fall below
    return float(gen[allowed])


def logistic_fit(sims: np.ndarray, same: np.ndarray, iters: int = 50) -> tuple[float, float]:
    """p(same | s) = 1 / (1 + exp(-(a s + b))), classes weighted equally (prior 50 %)."""
    y = same.astype(np.float64)
    w = np.where(same, 0.5 / max(1, same.sum()), 0.5 / max(1, (~same).sum()))
    x = np.stack([sims, np.ones_like(sims)], axis=1)
    theta = np.zeros(2)
    for _ in range(iters):  # Newton's method on the weighted log-loss
        p = 1 / (1 + np.exp(-(x @ theta)))
        grad = x.T @ (w * (p - y))
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + 1e-9 * np.eye(2)
        theta -= np.linalg.solve(hess, grad)
    return float(theta[0]), float(theta[1])


def run_thresholds(lfw_db: Path, celeba_db: Path, candidates: list[float]) -> None:
    """Measure and print everything docs/thresholds.md states."""
    from faceorganizer.core.evaluate.metrics import best_threshold, far_frr

    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "lfw-fold1 pairs.csv": lfw_pairs(lfw_db),
        "lfw-fold1 all labelled pairs": lfw_all_pairs(lfw_db),
        "celebrities all labelled pairs": celebrities_all_pairs(),
        "celeba-wild all labelled pairs": celeba_all_pairs(celeba_db),
    }
    print(
        "| set | genuine pairs | impostor pairs | genuine median | impostor p99.9 "
        "| t @ FMR 0.1% | t @ FNMR 1% | best-accuracy t (acc) |"
    )
    print("|" + "---|" * 8)
    for name, (s, y) in sets.items():
        bt, acc = best_threshold(s, y)
        print(
            f"| {name} | {int(y.sum())} | {int((~y).sum())} | {np.median(s[y]):.3f} "
            f"| {np.quantile(s[~y], 0.999):.3f} | {threshold_at_fmr(s, y, 0.001):.3f} "
            f"| {threshold_at_fnmr(s, y, 0.01):.3f} | {bt:.3f} ({acc:.4f}) |"
        )
    print()
    print("| threshold | " + " | ".join(f"{n} FMR / FNMR" for n in sets) + " |")
    print("|" + "---|" * (len(sets) + 1))
    for t in candidates:
        cells = []
        for s, y in sets.values():
            fmr, fnmr = far_frr(s, y, t)
            cells.append(f"{100 * fmr:.3f}% / {100 * fnmr:.2f}%")
        print(f"| {t:.3f} | " + " | ".join(cells) + " |")
    pooled_s = np.concatenate([s for s, _ in sets.values() if len(s) > 600])
    pooled_y = np.concatenate([y for s, y in sets.values() if len(s) > 600])
    a, b = logistic_fit(pooled_s, pooled_y)
    print(f"\nlogistic fit on the pooled all-pairs sets (equal class weight): a={a:.3f} b={b:.3f}")
    print(f"p=0.5 at s={-b / a:.3f}")
    for t in candidates:
        print(f"  p({t:.3f}) = {1 / (1 + np.exp(-(a * t + b))):.4f}")


def main() -> None:
    """Parse arguments and run a mode."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--one-size", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--thresholds", action="store_true", help="measure the verdict thresholds")
    ap.add_argument("--lfw-db", type=Path, default=Path("/tmp/lfw.db"))
    ap.add_argument("--celeba-db", type=Path, default=Path("/tmp/celeba.db"))
    ap.add_argument(
        "--candidates",
        type=float,
        nargs="+",
        default=[0.20, 0.25, 0.28, 0.30, 0.32, 0.363, 0.40, 0.45, 0.50],
    )
    args = ap.parse_args()
    if args.one_size:
        print(RESULT_PREFIX + json.dumps(measure_size(args.one_size, args.threads)), flush=True)
    elif args.thresholds:
        run_thresholds(args.lfw_db, args.celeba_db, args.candidates)
    else:
        run_sizes(args.sizes, args.threads)


if __name__ == "__main__":
    main()
