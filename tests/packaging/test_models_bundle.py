"""A bundle ships only the model files that are loaded: the derived ones, not their originals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from faceorganizer.core.models.fetch import fetch_all
from faceorganizer.core.models.manifest import list_packs, models_root, verify_pack


def _derived_only(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    shutil.copytree(models_root(), root)
    packs = list_packs(root)
    if not packs or any(p.missing_files() for p in packs):
        pytest.skip("model files not set up")
    for pack in packs:
        for spec in (pack.detector, pack.recognizer):
            if spec.derived_is_current():
                spec.path.unlink(missing_ok=True)
    return root


def test_pack_check_accepts_the_derived_file_without_the_original(tmp_path: Path) -> None:
    root = _derived_only(tmp_path)
    assert not (root / "yunet-sface" / "face_recognition_sface_2021dec.onnx").exists()
    for pack in list_packs(root):
        assert pack.missing_files() == []
        assert verify_pack(pack) == []
        assert pack.recognizer.runtime_path.name == "sface_2021dec_batched.onnx"
    assert fetch_all(root, changes_only=True) == []  # nothing to set up, nothing printed


def test_a_derived_file_from_another_original_is_not_accepted(tmp_path: Path) -> None:
    root = _derived_only(tmp_path)
    stamp = root / "yunet-sface" / "sface_2021dec_batched.source-sha256"
    stamp.write_text("0" * 64)
    pack = next(p for p in list_packs(root) if p.id == "yunet-sface")
    assert pack.missing_files() == [pack.recognizer.path]
    assert any("missing" in problem for problem in verify_pack(pack))


def test_fetch_is_quiet_when_every_file_is_in_place() -> None:
    if any(p.missing_files() for p in list_packs()):
        pytest.skip("model files not set up")
    assert fetch_all(changes_only=True) == []
    assert len(fetch_all()) >= 4  # the full listing (models fetch) is unchanged
