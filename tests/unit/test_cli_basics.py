from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from faceorganizer import __version__


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    result = _cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_scan_of_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    result = _cli("scan", str(tmp_path / "lib"), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0, result.stderr
    assert "summary: seen=0 processed=0" in result.stdout


def test_models_list() -> None:
    result = _cli("models", "verify")
    assert result.returncode == 0, result.stdout
    assert "* retinaface-sface" in result.stdout


def test_cuda_without_cuda_is_a_clear_error(tmp_path: Path) -> None:
    import shutil

    from faceorganizer.core.models.providers import available_providers
    from tests.conftest import shared_set

    if "CUDAExecutionProvider" in available_providers():
        return  # this machine can run CUDA: nothing to refuse
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy2(shared_set("celebrities") / "img1.jpg", lib / "img1.jpg")
    result = _cli("scan", str(lib), "--db", str(tmp_path / "x.db"), "--device", "cuda")
    assert result.returncode == 2
    assert "CUDA" in result.stderr and "Traceback" not in result.stderr
