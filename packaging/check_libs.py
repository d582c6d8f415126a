"""Check a one-folder bundle: every ELF file in it finds every library it links to.

    python packaging/check_libs.py dist/faceorganizer

Runs ``ldd`` on each shared library and executable with the bundle's library folders first on
the search path (as PyInstaller's bootloader does), prints the libraries that are not found
and exits 1 when there are any. Also prints which X11/xcb libraries the bundle carries: Qt's
xcb platform plugin needs them, and a desktop may lack some (libxcb-icccm4, libxcb-keysyms1).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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


def library_path(app: Path) -> str:
    """The search path the bundled program runs with: its top folder, then Qt's."""
    internal = app / "_internal"
    dirs = [internal, internal / "PySide6" / "Qt" / "lib"]
    return os.pathsep.join(str(d) for d in dirs if d.is_dir())


def missing_libraries(app: Path) -> dict[str, list[str]]:
    """{library name: [bundled files that need it]} for libraries ldd cannot find."""
    env = dict(os.environ, LD_LIBRARY_PATH=library_path(app))
    missing: dict[str, list[str]] = {}
    for path in elf_files(app):
        proc = subprocess.run(["ldd", str(path)], env=env, capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                missing.setdefault(name, []).append(str(path.relative_to(app)))
    return missing


def main() -> int:
    app = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/faceorganizer").resolve()
    files = elf_files(app)
    missing = missing_libraries(app)
    xcb = sorted(
        p.name for p in (app / "_internal").glob("*.so*") if p.name.startswith(("libxcb", "libxkb"))
    )
    print(f"libraries: {len(files)} ELF files checked in {app}")
    print(f"X11/xcb libraries carried: {' '.join(xcb) or 'none'}")
    for need in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"):
        if need not in xcb:
            print(f"missing from the bundle: {need} (Qt's xcb platform plugin needs it)")
            missing.setdefault(need, []).append("PySide6/Qt/plugins/platforms/libqxcb.so")
    for name, users in sorted(missing.items()):
        print(f"not found: {name} (needed by {', '.join(users[:3])})")
    if missing:
        print("check failed: install the system packages that provide them and rebuild")
        return 1
    print("every bundled library resolves")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
