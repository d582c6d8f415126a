"""The newest glibc symbol version a built bundle needs, and which files need it.

    python packaging/glibc_needed.py dist/faceorganizer [--list N]

Reads the dynamic symbol table of every ELF file in the bundle (``objdump -T``) and prints
``glibc <x.y>: <files>`` for the newest ``GLIBC_x.y`` any of them imports (glibc is not
bundled: a system with an older glibc cannot load those files). ``--list N`` also prints the N
most demanding files. ``--value`` prints only ``x.y`` (build.sh writes it into the launcher).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

VERSION = re.compile(r"\bGLIBC_(\d+(?:\.\d+)+)\b")


def elf_files(root: Path) -> list[Path]:
    """Every ELF file under ``root`` (symlinks skipped)."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(path)
        except OSError:
            continue
    return out


def needed_versions(root: Path) -> dict[Path, tuple[int, ...]]:
    """{file: newest GLIBC version it imports} for the files that import any."""
    found: dict[Path, tuple[int, ...]] = {}
    for path in elf_files(root):
        out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        versions = [tuple(int(p) for p in v.split(".")) for v in VERSION.findall(out)]
        if versions:
            found[path] = max(versions)
    return found


def dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", default="dist/faceorganizer")
    ap.add_argument("--list", type=int, default=0, metavar="N")
    ap.add_argument("--value", action="store_true")
    args = ap.parse_args()
    if args.list < 0:
        ap.error("--list must be 0 or more")
    root = Path(args.bundle).resolve()
    found = needed_versions(root)
    if not found:
        raise SystemExit(f"glibc_needed: no ELF file in {root} imports a GLIBC symbol version")
    newest = max(found.values())
    if args.value:
        print(dotted(newest))
        return 0
    which = sorted(str(p.relative_to(root)) for p, v in found.items() if v == newest)
    print(f"glibc {dotted(newest)}: {', '.join(which)}")
    ranked = sorted(found.items(), key=lambda kv: (kv[1], str(kv[0])), reverse=True)
    for path, version in ranked[: args.list]:
        print(f"  {dotted(version):6} {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
