"""Grouping quality of both model packs on the hard labelled sets, beside other apps' rules.

For each pack and each labelled set, the set is scanned together with the 186 ``snapshots`` as
distractors (``faceorganizer scan SET snapshots --pack PACK``; the database is kept under
``--work`` and reused, ``--rescan`` redoes it), then the product's own commands print:

* ``eval --compare``: BCubed and pairwise P / R / F of our default grouping beside Immich's,
  PhotoPrism's and LibrePhotos' rules on the same vectors;
* ``eval --pairs`` (lfw-fold1): verification accuracy at the default threshold and the best;
* ``eval --simulate-user`` (``--simulate`` sets): F after 0.5, 1, 2, 3 answers per person and
  the answers to F 0.99.

A summary table closes the run. Nothing is asserted (the golden suite holds the floors).

    .venv/bin/python benchmarks/quality_bench.py [--packs yunet-sface retinaface-sface]
        [--sets celeba-wild lfw-fold1 celebrities] [--work /tmp/faceorganizer-quality] [--rescan]
        [--simulate celeba-wild celebrities]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"


def faceorganizer(*args: str) -> str:
    """Run the CLI; its output (stdout), or exit with its error."""
    proc = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"faceorganizer {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def scanned(pack: str, name: str, work: Path, rescan: bool) -> tuple[Path, str]:
    """The database of SET + snapshots scanned with PACK, and the scan's summary line."""
    db = work / f"{pack}-{name}.db"
    summary_file = db.with_suffix(".summary")
    if rescan:
        for path in (db, summary_file, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    if not db.exists() or not summary_file.exists():
        out = faceorganizer(
            "scan",
            str(SHARED / name),
            str(SHARED / "snapshots"),
            "--db",
            str(db),
            "--pack",
            pack,
            "--no-group",  # eval clusters the faces itself, as it always has
        )
        line = next((s for s in out.splitlines() if s.startswith("summary:")), "summary: ?")
        summary_file.write_text(line + "\n", encoding="utf-8")
    return db, summary_file.read_text(encoding="utf-8").strip()


def field(text: str, pattern: str) -> str:
    """The first group of ``pattern`` in ``text``, or ``-``."""
    found = re.search(pattern, text)
    return found.group(1) if found else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packs", nargs="+", default=["yunet-sface", "retinaface-sface"])
    parser.add_argument("--sets", nargs="+", default=["celeba-wild", "lfw-fold1"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/faceorganizer-quality"))
    parser.add_argument("--rescan", action="store_true")
    parser.add_argument(
        "--simulate",
        nargs="*",
        default=["celeba-wild", "celebrities"],
        help="sets to run the simulated user on (it answers up to 3 questions a person, so "
        "lfw-fold1's 601 people take long)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f}; databases in {args.work}")
    rows = []
    for pack in args.packs:
        for name in args.sets:
            labels = SHARED / name / "labels.csv"
            db, summary = scanned(pack, name, args.work, args.rescan)
            print(f"\n== {pack} / {name} (+ snapshots as distractors)\n{summary}")
            evaluation = faceorganizer(
                "eval", "--db", str(db), "--labels", str(labels), "--compare"
            )
            print(evaluation, end="")
            pairs_line = "-"
            pairs_csv = SHARED / name / "pairs.csv"
            if pairs_csv.exists():
                pairs = faceorganizer("eval", "--db", str(db), "--pairs", str(pairs_csv))
                print(pairs, end="")
                pairs_line = field(pairs, r"accuracy=(\S+ at default, \S+ best)")
            simulated = ""
            if name in args.simulate:
                simulated = faceorganizer(
                    "eval", "--db", str(db), "--labels", str(labels), "--simulate-user"
                )
                print(simulated, end="")
            curve = re.findall(r"answers=\d+ people=\d+ F=(\S+)", simulated)
            rows.append(
                (
                    pack,
                    name,
                    field(evaluation, r"BCubed P=(\S+)"),
                    field(evaluation, r"BCubed P=\S+ R=(\S+)"),
                    field(evaluation, r"BCubed P=\S+ R=\S+ F=(\S+)"),
                    pairs_line,
                    " / ".join(curve),
                    field(simulated, r"answers to reach F 0.99: (.+)"),
                    field(summary, r"photos_per_s=(\S+)"),
                )
            )
    print("\n| pack | set | BCubed P | R | F | LFW pairs (default, best) |", end="")
    print(" simulated user F at 0.5/1/2/3 answers a person | answers to F 0.99 | scan photos/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
