"""Which onnxruntime execution provider runs the models: CUDA when it can, CPU always."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def opencv_threads(threads: int | None) -> Iterator[None]:
    """OpenCV's own thread pool (SFace's runtime on the CPU, resizing, alignment) limited to
    ``threads`` for the duration; None leaves it as it is.

    A CPU scan already runs one engine per core: a pool thread more only waits for work, and
    OpenCV's waiting threads yield in a loop (``sched_yield`` was 1–3 % of a two-engine scan's
    samples on this 2-core machine, none with one thread). The app's one-core scan stays on one.
    """
    if threads is None:
        yield
        return
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(max(1, threads))
    try:
        yield
    finally:
        cv2.setNumThreads(before)


# cuDNN's convolution algorithm choice. onnxruntime's default, EXHAUSTIVE, benchmarks every
# convolution again for each new input shape; measured on an H200 (../shared/GPU.md, 400 photos
# of 12 MP) a scan then ran at < 1 photo/s, with HEURISTIC at 2.0 and with DEFAULT at 14.2 (the
# rest of the gap was the one engine thread that also decoded). DEFAULT takes cuDNN's
# first-listed algorithm without measuring anything: a new shape costs nothing, and with the
# detector's inputs padded to a few buckets (``detection.bucket_shape``) few shapes occur.
CUDA_OPTIONS: dict[str, str] = {
    "cudnn_conv_algo_search": "DEFAULT",
    # the arena grows by what a run asks, not doubling: batches of varied size stay small
    "arena_extend_strategy": "kSameAsRequested",
}


def provider_list(device: str = "auto") -> list[Any]:
    """``choose_providers`` with each provider's options, as onnxruntime takes them."""
    return [
        (p, dict(CUDA_OPTIONS)) if p == "CUDAExecutionProvider" else p
        for p in choose_providers(device)
    ]


def create_session(path: str, device: str = "auto", threads: int | None = None) -> Any:
    """An onnxruntime session on the best provider for ``device``."""
    import onnxruntime as ort

    session = ort.InferenceSession(path, session_options(threads), providers=provider_list(device))
    log.debug("%s runs on %s", os.path.basename(path), session.get_providers())
    return session


def active_device(session: Any) -> str:
    """``cuda`` or ``cpu``: where a session really runs."""
    return "cuda" if "CUDAExecutionProvider" in session.get_providers() else "cpu"


def decide_auto(
    offered: list[str], probe: Callable[[str], float]
) -> tuple[Literal["cpu", "cuda"], str | None]:
    """Where ``--device auto`` runs: CUDA only when it runs here and beats the CPU.

    ``probe(device)`` returns the seconds a first batch of photos takes on ``device`` (after a
    warm-up) and raises when the device cannot run it. Returns the device and, when CUDA is
    installed but not used, a one-line reason to tell the user.
    """
    if "CUDAExecutionProvider" not in offered:
        return "cpu", None
    try:
        on_cuda = probe("cuda")
    except Exception as exc:  # noqa: BLE001 - any failure means: not this device
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return "cpu", f"CUDA is installed but does not run here ({reason}); scanning on the CPU"
    on_cpu = probe("cpu")
    if on_cuda >= on_cpu:
        return "cpu", (
            f"CUDA ran a first batch in {1000 * on_cuda:.0f} ms and the CPU in "
            f"{1000 * on_cpu:.0f} ms; scanning on the CPU"
        )
    return "cuda", None
