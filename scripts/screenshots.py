"""Regenerate docs/screenshots/*.png from the journey test's run of the real window.

Copies ../shared/data/celebrities and snapshots into a temporary folder, starts a private Xvfb
display (1600×1000) and runs ``tests/journey/drive_journey.py`` there with Qt's xcb platform:
the window is driven from an empty home as a user does (add folders, scan, name, fix, find,
export) and each page is grabbed at 1280×800. The pages the README shows are copied to --out.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--all]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"
PAGES = ["welcome.png", "people.png", "person.png", "viewer.png", "find.png", "export.png"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--all", action="store_true", help="copy every screenshot taken")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.journey.xdisplay import xcb_env, xvfb

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="faceorganizer-shots-") as tmp:
        root = Path(tmp)
        photos = root / "photos"
        for name in ("celebrities", "snapshots"):
            shutil.copytree(SHARED / name, photos / name, ignore=shutil.ignore_patterns("*.csv"))
        home = root / "home"
        home.mkdir()
        screens = root / "screens"
        with xvfb() as display:
            env = xcb_env(display, home)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
            driver = REPO / "tests" / "journey" / "drive_journey.py"
            labels = SHARED / "celebrities" / "labels.csv"
            cmd = [sys.executable, str(driver), "--photos", str(photos), "--labels", str(labels),
                   "--out", str(screens)]  # fmt: skip
            code = subprocess.call(cmd, env=env, cwd=root)
        result = json.loads((screens / "result.json").read_text())
        if code or not result["ok"]:
            print(f"the journey failed: {result.get('error')}", file=sys.stderr)
            return 1
        for name in result["screenshots"] if args.all else PAGES:
            shutil.copy2(screens / name, out / name)
            print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
