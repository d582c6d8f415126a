"""scripts/install-system-deps.sh names every system library Qt's X11 (xcb) platform loads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-system-deps.sh"


def _qt_libs_outside_qt() -> dict[str, str]:
    """{soname: resolved path} of what the xcb plugin and its Qt library load from the system."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]
    env = dict(os.environ, LD_LIBRARY_PATH=str(qt / "lib"))
    out = subprocess.run(["ldd", *map(str, files)], env=env, capture_output=True, text=True)
    libs = {}
    for line in out.stdout.splitlines():
        found = re.match(r"\s*(\S+) => (\S+)", line)
        if found and not found.group(2).startswith(str(qt)):
            libs[found.group(1)] = found.group(2)
    return libs


@pytest.mark.skipif(not shutil.which("dpkg"), reason="Debian/Ubuntu only")
def test_every_library_of_the_xcb_plugin_is_installed_and_named_by_the_script() -> None:
    libs = _qt_libs_outside_qt()
    missing = sorted(name for name, path in libs.items() if path == "not")
    assert not missing, f"not found: {missing} (run scripts/install-system-deps.sh as root)"
    listed = set(SCRIPT.read_text(encoding="utf-8").split())
    unnamed = {}
    for name, path in libs.items():
        if not name.startswith(("libxcb", "libxkbcommon", "libX11", "libEGL", "libGL.")):
            continue
        owner = subprocess.run(
            ["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True
        )
        package = owner.stdout.split(":", 1)[0]
        if package and package not in listed:
            unnamed[name] = package
    assert not unnamed, f"libraries whose package the script does not name: {unnamed}"


def test_script_is_quiet_when_nothing_is_missing() -> None:
    if not shutil.which("dpkg-query"):
        pytest.skip("Debian/Ubuntu only")
    proc = subprocess.run(["bash", str(SCRIPT), "--runtime"], capture_output=True, text=True)
    assert proc.returncode == 0
    if "apt-get install" not in proc.stderr:  # something is missing on this machine: it says so
        assert proc.stdout == proc.stderr == ""
