"""The fuzzing run: every registered target for a bounded time, no crash, no hang (issue 19).

Prints how many inputs each target was given. ``FACEORGANIZER_FUZZ_SECONDS`` sets the time per
target (default 15 s); raise it for a longer hunt.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.reliability.fuzz import FUZZ_SECONDS, TARGETS, fuzz


@pytest.mark.timeout(int(FUZZ_SECONDS * 4 + 120))
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = fuzz(TARGETS[name])
    with capsys.disabled():
        print(
            f"\nfuzz: {report.target}: {report.inputs} inputs in {report.seconds:.1f} s"
            f" ({report.refused} refused cleanly, slowest {report.slowest:.2f} s,"
            f" {len(report.failures)} failures)"
        )
    assert report.inputs > 0
    assert not report.failures, "\n".join(report.failures)
    if name == "command-line arguments":
        from tests.reliability.fuzz import _cli

        with sqlite3.connect(_cli.db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
