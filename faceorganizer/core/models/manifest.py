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

DEFAULT_PACK = "retinaface-sface"  # when no manifest says "default": true


class ModelError(RuntimeError):
    """A model pack is missing, damaged or not supported."""


@dataclass(frozen=True)
class RefineSpec:
    """A detector that looks twice: a cheap pass to find faces, then a full-size look at them.

    The first pass runs on the detector's input shrunk by ``coarse_scale`` and keeps candidates
    scoring at least ``coarse_score``; it is skipped (the whole input is run) when its long side
    would be under ``coarse_min_side``. The second runs at the detection size, but only on
    windows ``context`` times a candidate's longer side, cut on the detector's stride grid, so
    a face is seen by the same anchors, at the same scale, as in a whole-photo pass (its
    landmarks, which the recogniser's alignment needs, come out the same). When the windows
    would cover more than ``max_area`` of the input, the whole input is run instead.
    """

    coarse_scale: float
    coarse_score: float
    coarse_min_side: int
    context: float
    max_area: float


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
    refine: RefineSpec | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runtime_path(self) -> Path:
        """The file to load: the derived file when there is one, else the original."""
        if self.derived_path is not None and self.derived_path.exists():
            return self.derived_path
        return self.path

    def derived_is_current(self) -> bool:
        """Whether the derived file exists and was made from the original this manifest names.

        ``fetch`` writes the original's sha256 next to each derived file (``.source-sha256``);
        a bundle may ship only the derived file, which is all that is loaded.
        """
        if self.derived_path is None or not self.derived_path.exists():
            return False
        try:
            stamp = self.derived_path.with_suffix(".source-sha256").read_text(encoding="utf-8")
        except OSError:
            return False
        return stamp.strip() == self.sha256

    def is_present(self) -> bool:
        """Whether the file that is loaded is on disk (the original or a current derived file)."""
        return self.path.exists() or self.derived_is_current()


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
        return [s.path for s in (self.detector, self.recognizer) if not s.is_present()]


def models_root() -> Path:
    """Where model packs live: $FACEORGANIZER_MODELS, a frozen bundle, or the source tree."""
    env = os.environ.get("FACEORGANIZER_MODELS")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "models"
    return Path(__file__).resolve().parents[3] / "models"


def _refine(raw: dict[str, Any] | None) -> RefineSpec | None:
    if raw is None:
        return None
    spec = RefineSpec(
        coarse_scale=float(raw["coarse_scale"]),
        coarse_score=float(raw["coarse_score"]),
        coarse_min_side=int(raw.get("coarse_min_side", 0)),
        context=float(raw["context"]),
        max_area=float(raw.get("max_area", 0.6)),
    )
    if not (0 < spec.coarse_scale <= 1 and spec.context >= 1 and 0 < spec.max_area <= 1):
        raise ValueError("refine needs 0 < coarse_scale <= 1, context >= 1, 0 < max_area <= 1")
    return spec


def _spec(role: str, folder: Path, raw: dict[str, Any]) -> ModelSpec:
    derived = raw.get("derived")
    known = {"family", "file", "sha256", "licence", "source", "input", "derived", "refine"}
    return ModelSpec(
        role=role,
        family=str(raw["family"]),
        path=(folder / raw["file"]).resolve(),
        sha256=str(raw["sha256"]),
        licence=str(raw["licence"]),
        source=dict(raw["source"]),
        input=dict(raw.get("input", {})),
        derived_path=(folder / derived["file"]).resolve() if derived else None,
        refine=_refine(raw.get("refine")),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_pack(pack_id: str | None = None, root: Path | None = None) -> ModelPack:
    """Read the manifest of ``pack_id`` (the default pack when None)."""
    root = root or models_root()
    pack_id = pack_id or default_pack_id(root)
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


def default_pack_id(root: Path | None = None) -> str:
    """The pack whose manifest says ``"default": true`` (``DEFAULT_PACK`` when none does)."""
    root = root or models_root()
    for manifest in sorted(root.glob("*/manifest.json")):
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("default") is True:
                return manifest.parent.name
        except (OSError, ValueError):
            continue
    return DEFAULT_PACK


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
        if not spec.path.exists() and spec.derived_is_current():
            continue  # only the derived file, made from the verified original, is shipped
        if not spec.path.exists():
            problems.append(
                f"{spec.role} {spec.path.name} is missing (run: faceorganizer models fetch)"
            )
        elif sha256_of(spec.path) != spec.sha256:
            problems.append(f"{spec.role} {spec.path.name} has the wrong sha256")
    return problems
