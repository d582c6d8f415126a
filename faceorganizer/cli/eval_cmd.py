"""``faceorganizer eval --labels CSV [--compare]``: measured grouping quality."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.core.library.measuring import read_label_csv


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("eval", help="score the grouping against a file,person CSV")
    add_db_option(p)
    p.add_argument("--labels", type=Path, help="file,person CSV")
    p.add_argument("--pairs", type=Path, help="file_a,file_b,same[,fold] CSV: verification")
    p.add_argument("--compare", action="store_true", help="also other apps' rules")
    p.add_argument(
        "--simulate-user",
        action="store_true",
        help="a simulated user names groups and answers suggestions (on a copy)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def _ours(vectors: np.ndarray, photo_ids: np.ndarray) -> np.ndarray:
    from faceorganizer.core.library.measuring import GroupingOptions, cluster_faces

    return cluster_faces(vectors, groups=photo_ids, params=GroupingOptions().cluster)


def run(args: argparse.Namespace) -> int:
    """Print BCubed and pairwise scores."""
    from faceorganizer.core.library.measuring import peers

    if args.pairs is None and args.labels is None:
        print("error: give --labels CSV and/or --pairs CSV", file=sys.stderr)
        return 2
    if args.pairs is not None:
        status = _pairs(args)
        if args.labels is None:
            return status
    if args.simulate_user:
        return _simulate(args)
    rules = None
    if args.compare:
        rules = {
            "ours": _ours,
            "immich": lambda v, _g: peers.immich_cluster(v),
            "photoprism": lambda v, _g: peers.photoprism_cluster(v),
            "librephotos": lambda v, _g: peers.librephotos_cluster(v),
        }
    scores = open_library(args, readonly=True).evaluate_labels(
        read_label_csv(args.labels), ours=_ours, compare=rules
    )
    labelled, main, table = scores.labelled, scores.main, scores.table
    if main is None:
        print("error: no labelled photo is in this database", file=sys.stderr)
        return 1
    if args.json:
        out = {
            "labelled": main.labelled,
            "missing": labelled.missing,
            "method": main.method,
            "bcubed": _scores(main.bcubed),
            "pairwise": _scores(main.pairwise),
            "compare": [
                {"method": e.method, "bcubed": _scores(e.bcubed), "pairwise": _scores(e.pairwise)}
                for e in table
            ],
        }
        json.dump(out, sys.stdout, indent=1)
        print()
        return 0
    b, p = main.bcubed, main.pairwise
    print(f"BCubed P={b.precision:.3f} R={b.recall:.3f} F={b.f1:.3f}")
    print(f"pairwise P={p.precision:.3f} R={p.recall:.3f} F={p.f1:.3f}")
    print(f"labelled faces={main.labelled} groups={main.groups} missing={len(labelled.missing)}")
    if table:
        print(f"{'method':<14}{'BCubed P':>9}{'R':>7}{'F':>7}{'pair P':>9}{'R':>7}{'F':>7}")
        for e in table:
            print(
                f"{e.method:<14}{e.bcubed.precision:>9.3f}{e.bcubed.recall:>7.3f}"
                f"{e.bcubed.f1:>7.3f}{e.pairwise.precision:>9.3f}{e.pairwise.recall:>7.3f}"
                f"{e.pairwise.f1:>7.3f}"
            )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from faceorganizer.core.library import default_db_path
    from faceorganizer.core.library.measuring import simulate_user

    labels = read_label_csv(args.labels)
    people = open_library(args, readonly=args.db is not None).labelled_people(labels)
    sim = simulate_user(args.db or default_db_path(), labels, max_answers=3 * people)
    if args.json:
        out = {
            "simulate": {
                "people": sim.people,
                "answers_to_f99": sim.answers_to_f99,
                "curve": [[n, round(f, 4)] for n, f in sim.curve],
            }
        }
        json.dump(out, sys.stdout, indent=1)
        print()
        return 0
    for per_person in (0.5, 1, 2, 3):
        budget = int(round(per_person * sim.people))
        print(f"simulated user: answers={budget} people={sim.people} F={sim.f_at(budget):.3f}")
    reached = sim.answers_to_f99
    print(f"answers to reach F 0.99: {reached if reached is not None else 'not reached'}")
    return 0


def _pairs(args: argparse.Namespace) -> int:
    from faceorganizer.core.library.models import load_pack

    threshold = load_pack().thresholds.get("same_person_cosine", 0.363)
    r = open_library(args, readonly=True).verify_pairs(args.pairs, threshold)
    if r.pairs == r.missing:
        print("error: none of the pairs' photos is in this database", file=sys.stderr)
        return 1
    if args.json:
        json.dump({"verification": r.__dict__}, sys.stdout, indent=1)
        print()
        return 0
    print(
        f"verification accuracy={r.accuracy_at_default:.4f} at default, {r.best_accuracy:.4f} best"
    )
    print(
        f"pairs={r.pairs} missing={r.missing} default_threshold={r.default_threshold:.3f}"
        f" best_threshold={r.best_threshold:.3f} FMR={r.far_at_default:.4f}"
        f" FNMR={r.frr_at_default:.4f}"
    )
    return 0


def _scores(s: Any) -> dict[str, float]:
    return {"P": round(s.precision, 4), "R": round(s.recall, 4), "F": round(s.f1, 4)}
