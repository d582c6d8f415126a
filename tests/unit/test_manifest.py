from __future__ import annotations

import pytest

from faceorganizer.core.models.manifest import (
    DEFAULT_PACK,
    ModelError,
    list_packs,
    load_pack,
    verify_pack,
)


def test_packs_are_described_by_manifests() -> None:
    packs = {p.id: p for p in list_packs()}
    assert {"yunet-sface", "retinaface-sface"} <= set(packs)
    default = load_pack()
    assert default.id == DEFAULT_PACK and default.is_default
    assert default.detector.family == "retinaface" and default.recognizer.family == "sface"
    assert default.embedding_dim == 128
    assert default.detector.sha256.startswith("b7a7acab")
    assert default.recognizer.sha256.startswith("0ba9fbfa")
    assert sum(p.is_default for p in packs.values()) == 1  # the manifest says which
    yunet = packs["yunet-sface"]
    assert yunet.detector.family == "yunet" and yunet.detector.sha256.startswith("8f2383e4")
    for pack in packs.values():
        assert pack.detector.licence and pack.recognizer.licence
        assert pack.detector.extra["landmarks"][0] == "right_eye"


def test_model_files_match_their_manifests() -> None:
    for pack in list_packs():
        assert verify_pack(pack) == []


def test_unknown_pack_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="no model pack"):
        load_pack("does-not-exist")
