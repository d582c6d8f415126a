"""``scan --no-small-faces``: the documented way to trade small faces for speed."""

from __future__ import annotations

from typing import Any

import pytest

from faceorganizer.cli import scan_cmd
from faceorganizer.cli.main import build_parser


@pytest.mark.parametrize(("extra", "expected"), [([], True), (["--no-small-faces"], False)])
def test_the_option_reaches_the_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, extra: list[str], expected: bool
) -> None:
    seen: dict[str, Any] = {}

    class _Library:
        def scan(self, request: Any, hooks: Any) -> Any:
            seen["options"] = request.engine
            raise KeyboardInterrupt  # stop before any model loads

    monkeypatch.setattr(scan_cmd, "open_library", lambda args, create: _Library())
    args = build_parser().parse_args(["scan", str(tmp_path), "--no-progress", *extra])
    assert scan_cmd.run(args) == 1
    assert seen["options"].small_faces is expected
