"""The desktop entry and the Linux installer (packaging/install.sh) of the bundle."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "resources" / "faceorganizer.desktop"


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _validate(path: Path) -> str:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate missing (scripts/install-system-deps.sh installs it)")
    proc = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
    return proc.stdout


def test_desktop_entry_validates_and_opens_photos() -> None:
    _validate(ENTRY)
    entry = _entry(ENTRY)
    assert entry["Exec"].endswith(" %F")
    mime = entry["MimeType"].split(";")
    assert {"image/jpeg", "image/png", "image/heic", "image/x-canon-cr2"} <= set(mime)
    assert (REPO / "resources" / "icons" / f"{entry['Icon']}.svg").is_file()


def test_install_script_installs_an_absolute_exec_and_the_icon(tmp_path: Path) -> None:
    # A stand-in for the unpacked archive: the program, install.sh, _internal/resources.
    unpacked = tmp_path / "faceorganizer-0-linux"
    shutil.copytree(REPO / "resources", unpacked / "_internal" / "resources")
    program = unpacked / "faceorganizer"
    program.write_text("#!/bin/sh\necho faceorganizer 0\n")
    program.chmod(0o755)
    shutil.copy(REPO / "packaging" / "install.sh", unpacked / "install.sh")
    home = tmp_path / "home me"  # a space in the path must survive
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    subprocess.run(["bash", str(unpacked / "install.sh")], env=env, check=True, timeout=60)
    share = home / ".local" / "share"
    desktop = share / "applications" / "faceorganizer.desktop"
    exec_line = _entry(desktop)["Exec"]
    target = share / "faceorganizer" / "faceorganizer"
    assert exec_line == f'"{target}" %F'
    assert target.is_file() and os.access(target, os.X_OK)
    assert (share / "icons/hicolor/scalable/apps/faceorganizer.svg").is_file()
    assert (home / ".local/bin/faceorganizer").resolve() == target.resolve()
    _validate(desktop)
    subprocess.run(
        ["bash", str(unpacked / "install.sh"), "--uninstall"], env=env, check=True, timeout=60
    )
    assert not desktop.exists() and not target.exists()
