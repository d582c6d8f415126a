"""SFace (OpenCV Zoo, 2021dec): 112×112 aligned faces in, 128-d vectors out, in batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from faceorganizer.core.models.manifest import ModelSpec
from faceorganizer.core.models.providers import create_session


class SFaceEmbedder:
    """Embeds aligned BGR 112×112 crops; returns unit vectors and their raw norms."""

    def __init__(
        self, spec: ModelSpec, device: str = "auto", *, threads: int | None = None, batch: int = 32
    ) -> None:
        self.spec = spec
        self.session: Any = create_session(str(spec.runtime_path), device, threads)
        self.batched = spec.runtime_path != spec.path
        self.batch = batch if self.batched else 1
        self.dim = int(spec.extra.get("embedding_dim", 128))
        self.rgb = spec.input.get("channels", "RGB") == "RGB"
        self._input = self.session.get_inputs()[0].name

    def embed(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unit vectors (n, dim) float32, norms before normalisation (n,))."""
        if len(crops) == 0:
            return np.zeros((0, self.dim), np.float32), np.zeros(0, np.float32)
        x = crops[..., ::-1] if self.rgb else crops
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
        parts = [
            self.session.run(None, {self._input: x[i : i + self.batch]})[0]
            for i in range(0, len(x), self.batch)
        ]
        raw = np.concatenate(parts).astype(np.float32)
        norms = np.linalg.norm(raw, axis=1)
        return raw / np.maximum(norms, 1e-12)[:, None], norms
