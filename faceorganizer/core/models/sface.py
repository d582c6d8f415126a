"""SFace (OpenCV Zoo, 2021dec): 112×112 aligned faces in, 128-d vectors out, in batches."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from faceorganizer.core.models.manifest import ModelSpec
from faceorganizer.core.models.providers import choose_providers, create_session


def _default_runtime(device: str) -> str:
    """OpenCV's DNN engine on the CPU, onnxruntime where CUDA runs it.

    Measured on this 2-core machine (same file, same vectors to 3e-6): OpenCV DNN 14.5 ms a
    face in batches of 16, onnxruntime 29–34 ms. For YuNet it is the other way round (7 ms vs
    13 ms at 640×480), so only the recogniser switches.
    """
    forced = os.environ.get("FACEORGANIZER_SFACE_RUNTIME")
    if forced in ("opencv", "onnxruntime"):
        return forced
    if choose_providers(device)[0] == "CUDAExecutionProvider":
        return "onnxruntime"
    try:
        import cv2

        return "opencv" if hasattr(cv2, "dnn") else "onnxruntime"
    except ImportError:
        return "onnxruntime"


class SFaceEmbedder:
    """Embeds aligned BGR 112×112 crops; returns unit vectors and their raw norms."""

    def __init__(
        self,
        spec: ModelSpec,
        device: str = "auto",
        *,
        threads: int | None = None,
        batch: int = 32,
        runtime: str | None = None,
    ) -> None:
        self.spec = spec
        self.runtime = runtime or _default_runtime(device)
        self.batched = spec.runtime_path != spec.path
        self.batch = batch if self.batched else 1
        self.dim = int(spec.extra.get("embedding_dim", 128))
        self.rgb = spec.input.get("channels", "RGB") == "RGB"
        self.session: Any = None
        self.net: Any = None
        if self.runtime == "opencv":
            import cv2

            self.net = cv2.dnn.readNet(str(spec.runtime_path))
        else:
            self.session = create_session(str(spec.runtime_path), device, threads)
            self._input = self.session.get_inputs()[0].name

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self.net is not None:
            self.net.setInput(x)
            return np.asarray(self.net.forward())
        return np.asarray(self.session.run(None, {self._input: x})[0])

    def embed(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unit vectors (n, dim) float32, norms before normalisation (n,))."""
        if len(crops) == 0:
            return np.zeros((0, self.dim), np.float32), np.zeros(0, np.float32)
        x = crops[..., ::-1] if self.rgb else crops
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
        parts = [self._run(x[i : i + self.batch]) for i in range(0, len(x), self.batch)]
        raw = np.concatenate(parts).astype(np.float32).reshape(len(x), -1)
        norms = np.linalg.norm(raw, axis=1)
        return raw / np.maximum(norms, 1e-12)[:, None], norms
