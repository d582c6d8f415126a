"""Which onnxruntime execution provider runs the models: CUDA when it can, CPU always."""

from __future__ import annotations

import logging
import os
from typing import Any, Literal

from faceorganizer.core.models.manifest import ModelError

Device = Literal["auto", "cpu", "cuda"]

log = logging.getLogger(__name__)

_PREFERENCE: dict[str, list[str]] = {
    "auto": ["CUDAExecutionProvider", "CPUExecutionProvider"],
    "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"],
    "cpu": ["CPUExecutionProvider"],
}


class DeviceError(ModelError):
    """The requested device cannot be used."""


def available_providers() -> list[str]:
    """What this onnxruntime build offers."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def choose_providers(device: str = "auto") -> list[str]:
    """The preference list for ``device`` filtered by what onnxruntime reports."""
    if device not in _PREFERENCE:
        raise DeviceError(f"unknown device {device!r}; use auto, cpu or cuda")
    offered = set(available_providers())
    chosen = [p for p in _PREFERENCE[device] if p in offered]
    if device == "cuda" and "CUDAExecutionProvider" not in chosen:
        raise DeviceError(
            "CUDA was asked for but this onnxruntime has no CUDA provider "
            "(install onnxruntime-gpu on a machine with an NVIDIA GPU)"
        )
    return chosen or ["CPUExecutionProvider"]


def thread_budget(threads: int | None = None) -> int:
    """Threads to use: ``threads``, else ``FACEORGANIZER_THREADS``, else the machine's cores."""
    return threads or int(os.environ.get("FACEORGANIZER_THREADS", "0")) or (os.cpu_count() or 1)


def session_options(threads: int | None = None) -> Any:
    """Quiet session options; intra-op threads default to the machine's cores."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # errors only: hides the initializer-as-input warnings
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = thread_budget(threads)
    opts.inter_op_num_threads = 1
    # Spinning worker threads steal the cores that decoding (and the GUI) need: measured with
    # another process busy on this 2-core machine, SFace took 53 ms a face with spinning and
    # 29 ms without.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def create_session(path: str, device: str = "auto", threads: int | None = None) -> Any:
    """An onnxruntime session on the best provider for ``device``."""
    import onnxruntime as ort

    providers = choose_providers(device)
    session = ort.InferenceSession(path, session_options(threads), providers=providers)
    log.debug("%s runs on %s", os.path.basename(path), session.get_providers())
    return session


def active_device(session: Any) -> str:
    """``cuda`` or ``cpu``: where a session really runs."""
    return "cuda" if "CUDAExecutionProvider" in session.get_providers() else "cpu"
