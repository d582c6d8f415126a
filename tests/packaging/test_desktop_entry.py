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


def _unpacked(tmp_path: Path) -> Path:
    """A stand-in for the unpacked archive: the program, install.sh, _internal/resources."""
    unpacked = tmp_path / "faceorganizer-0-linux"
    shutil.copytree(REPO / "resources", unpacked / "_internal" / "resources")
    program = unpacked / "faceorganizer"
    program.write_text("#!/bin/sh\necho faceorganizer 0\n")
    program.chmod(0o755)
    shutil.copy(REPO / "packaging" / "install.sh", unpacked / "install.sh")
    return unpacked


def _desktop_env(tmp_path: Path) -> dict[str, str]:
    """A user on a desktop of its own: home, config and system folders under ``tmp_path``;
    no desktop session named, so xdg-mime answers as on any desktop (mimeapps.list, then the
    menu caches)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "XDG_MENU_PREFIX")
        and not k.startswith(("GNOME_", "KDE_", "FACEORGANIZER_"))
    }
    home = tmp_path / "home"
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CONFIG_DIRS=str(tmp_path / "etc-xdg"),
        XDG_DATA_DIRS=str(tmp_path / "usr-share"),
    )
    return env


def _default_viewer(env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["xdg-mime", "query", "default", "image/jpeg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.stdout.strip()


@pytest.mark.parametrize("other_viewer", [True, False], ids=["a-viewer-installed", "none"])
def test_install_registers_for_photos_without_becoming_the_default_viewer(
    tmp_path: Path, other_viewer: bool
) -> None:
    """Issue 27, 3: "Open with" lists FaceOrganizer, but the default viewer stays the one the
    desktop had (or none): the user chooses the default. Before, install.sh wrote the user's
    menu cache with FaceOrganizer in it, and xdg-mime answered faceorganizer.desktop."""
    for tool in ("xdg-mime", "update-desktop-database"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} missing (apt-get install xdg-utils desktop-file-utils)")
    env = _desktop_env(tmp_path)
    system_apps = tmp_path / "usr-share" / "applications"
    system_apps.mkdir(parents=True)
    if other_viewer:
        (system_apps / "viewer.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=Viewer\nExec=viewer %F\n"
            "MimeType=image/jpeg;image/png;\n"
        )
        subprocess.run(["update-desktop-database", str(system_apps)], check=True)
    # a user folder with a menu cache of its own (other programs installed for this user)
    user_apps = tmp_path / "home/.local/share/applications"
    user_apps.mkdir(parents=True)
    (user_apps / "notes.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Notes\nExec=notes %F\nMimeType=text/plain;\n"
    )
    subprocess.run(["update-desktop-database", str(user_apps)], check=True)
    before = _default_viewer(env)
    assert before == ("viewer.desktop" if other_viewer else "")
    unpacked = _unpacked(tmp_path)
    for _ in range(2):  # installing again (an update) must not change it either
        subprocess.run(["bash", str(unpacked / "install.sh")], env=env, check=True, timeout=60)
        if other_viewer:
            assert _default_viewer(env) == before
        # With no other program for photos at all, xdg-mime's last resort names the only
        # one there is; what matters is that nothing says it is the default: no cache entry
        # ahead of the desktop's own, no mimeapps.list.
        assert "faceorganizer" not in (user_apps / "mimeinfo.cache").read_text()
    entry = _entry(user_apps / "faceorganizer.desktop")
    assert "image/jpeg" in entry["MimeType"].split(";")  # still *a* program for photos
    assert not (tmp_path / "home/.config/mimeapps.list").exists()
    # the user's own choice is honoured
    subprocess.run(
        ["xdg-mime", "default", "faceorganizer.desktop", "image/jpeg"], env=env, check=True
    )
    assert _default_viewer(env) == "faceorganizer.desktop"


def test_install_says_the_unpacked_folder_can_go_and_installs_every_icon_size(
    tmp_path: Path,
) -> None:
    env = _desktop_env(tmp_path)
    unpacked = _unpacked(tmp_path)
    proc = subprocess.run(
        ["bash", str(unpacked / "install.sh")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"you can delete this unpacked folder ({unpacked})" in proc.stdout
    icons = tmp_path / "home/.local/share/icons/hicolor"
    for size in (16, 32, 48, 64, 128, 256):
        assert (icons / f"{size}x{size}/apps/faceorganizer.png").is_file(), size


def test_uninstall_says_where_the_library_is_and_purge_removes_it(tmp_path: Path) -> None:
    env = _desktop_env(tmp_path)
    unpacked = _unpacked(tmp_path)
    subprocess.run(["bash", str(unpacked / "install.sh")], env=env, check=True, timeout=60)
    library = tmp_path / "home/.local/share/FaceOrganizer"
    library.mkdir(parents=True)
    (library / "library.db").write_bytes(b"x")
    settings = tmp_path / "home/.config/FaceOrganizer"
    settings.mkdir(parents=True)
    (settings / "FaceOrganizer.conf").write_text("[General]\n")
    installed = tmp_path / "home/.local/share/faceorganizer/install.sh"
    kept = subprocess.run(
        ["bash", str(installed), "--uninstall"],
        env=env,
        stdin=subprocess.DEVNULL,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"kept in {library}" in kept.stdout and "--uninstall --purge" in kept.stdout
    assert (library / "library.db").is_file()
    subprocess.run(["bash", str(unpacked / "install.sh")], env=env, check=True, timeout=60)
    purged = subprocess.run(
        ["bash", str(installed), "--uninstall", "--purge"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"Removed {library}" in purged.stdout
    assert not library.exists() and not settings.exists()
    assert not (tmp_path / "home/.local/share/faceorganizer").exists()
