"""Model packs described by their manifest: which files, where from, how to feed them.

A pack is a folder under ``models/`` holding ``manifest.json``. Code picks a pack by its id and
reads everything it needs (family, preprocessing, landmark order, dimension) from the manifest;
nothing is guessed from tensor shapes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PACK = "yunet-sface"
LANDMARK_ORDER = ("right_eye", "left_eye", "nose_tip", "right_mouth_corner", "left_mouth_corner")


class ModelError(RuntimeError):
    """A model pack is missing, damaged or not supported."""


@dataclass(frozen=True)
class ModelSpec:
    """One ONNX model of a pack, as its manifest describes it."""

    role: str
    family: str
    path: Path
    sha256: str
    licence: str
    source: dict[str, Any]
    input: dict[str, Any]
    derived_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runtime_path(self) -> Path:
        """The file to load: the derived file when there is one, else the original."""
        if self.derived_path is not None and self.derived_path.exists():
            return self.derived_path
        return self.path


@dataclass(frozen=True)
class ModelPack:
    """A detector and a recogniser that work together."""

    id: str
    title: str
    folder: Path
    detector: ModelSpec
    recognizer: ModelSpec
    embedding_dim: int
    thresholds: dict[str, float]
    is_default: bool = False

    def missing_files(self) -> list[Path]:
        """The files this pack needs that are not on disk."""
        return [s.path for s in (self.detector, self.recognizer) if not s.path.exists()]


def models_root() -> Path:
    """Where model packs live: $FACEORGANIZER_MODELS, a frozen bundle, or the source tree."""
    env = os.environ.get("FACEORGANIZER_MODELS")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "models"
    return Path(__file__).resolve().parents[3] / "models"


def _spec(role: str, folder: Path, raw: dict[str, Any]) -> ModelSpec:
    derived = raw.get("derived")
    known = {"family", "file", "sha256", "licence", "source", "input", "derived"}
    return ModelSpec(
        role=role,
        family=str(raw["family"]),
        path=(folder / raw["file"]).resolve(),
        sha256=str(raw["sha256"]),
        licence=str(raw["licence"]),
        source=dict(raw["source"]),
        input=dict(raw.get("input", {})),
        derived_path=(folder / derived["file"]).resolve() if derived else None,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_pack(pack_id: str | None = None, root: Path | None = None) -> ModelPack:
    """Read the manifest of ``pack_id`` (the default pack when None)."""
    root = root or models_root()
    pack_id = pack_id or DEFAULT_PACK
    manifest = root / pack_id / "manifest.json"
    if not manifest.is_file():
        known = ", ".join(p.id for p in list_packs(root)) or "none"
        raise ModelError(f"no model pack {pack_id!r} in {root} (known packs: {known})")
    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
        det = _spec("detector", manifest.parent, raw["detector"])
        rec = _spec("recognizer", manifest.parent, raw["recognizer"])
        dim = int(raw["recognizer"]["embedding_dim"])
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"manifest {manifest} is malformed: {exc}") from exc
    return ModelPack(
        id=str(raw.get("id", pack_id)),
        title=str(raw.get("title", pack_id)),
        folder=manifest.parent,
        detector=det,
        recognizer=rec,
        embedding_dim=dim,
        thresholds={k: float(v) for k, v in raw.get("thresholds", {}).items()},
        is_default=bool(raw.get("default", False)),
    )


def list_packs(root: Path | None = None) -> list[ModelPack]:
    """Every pack whose manifest parses, sorted by id."""
    root = root or models_root()
    packs = []
    for manifest in sorted(root.glob("*/manifest.json")):
        try:
            packs.append(load_pack(manifest.parent.name, root))
        except ModelError:
            continue
    return packs


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_pack(pack: ModelPack) -> list[str]:
    """Problems with a pack's files (missing, wrong sha256); empty when all is well."""
    problems = []
    for spec in (pack.detector, pack.recognizer):
        if not spec.path.exists():
            problems.append(
                f"{spec.role} {spec.path.name} is missing (run: faceorganizer models fetch)"
            )
        elif sha256_of(spec.path) != spec.sha256:
            problems.append(f"{spec.role} {spec.path.name} has the wrong sha256")
    return problems
