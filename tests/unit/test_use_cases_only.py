"""The window and the command line reach the store only through ``Library``'s named use cases
(issue 28): no store connection (``Library.connect()``), no ``apply`` / ``change(fn)`` running
a lambda on the people operations, no ``PeopleOps`` and no ``ops.database`` in gui/ or cli/.

Checked on the syntax tree, so a comment or a docstring does not count; each kind of breach is
planted in a snippet to show the check catches it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACES = ("faceorganizer/gui", "faceorganizer/cli")


def _is_library(node: ast.expr) -> bool:
    """Whether an expression reads as a Library: ``library``, ``self.win.library``, ``lib``,
    ``open_library(args)``."""
    text = ast.unparse(node).lower()
    return "library" in text or text == "lib" or text.endswith(".lib")


def breaches(source: str) -> list[str]:
    """``line: what`` for each way ``source`` goes round the use cases."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            # Qt's signal.connect always takes a slot; a store connection takes none
            if attr == "connect" and not node.args:
                found.append(f"{node.lineno}: .connect() (a store connection)")
            elif attr in ("apply", "change") and _is_library(node.func.value):
                found.append(f"{node.lineno}: Library.{attr}(fn)")
        elif isinstance(node, ast.Attribute) and node.attr == "database":
            found.append(f"{node.lineno}: .database (a store connection)")
        elif isinstance(node, ast.Name) and node.id == "PeopleOps":
            found.append(f"{node.lineno}: PeopleOps")
        elif isinstance(node, ast.ImportFrom) and any(a.name == "PeopleOps" for a in node.names):
            found.append(f"{node.lineno}: imports PeopleOps")
    return found


def test_gui_and_cli_use_only_named_use_cases() -> None:
    bad = []
    for face in FACES:
        for path in sorted((ROOT / face).rglob("*.py")):
            for what in breaches(path.read_text(encoding="utf-8")):
                bad.append(f"{path.relative_to(ROOT)}:{what}")
    assert not bad, "add a named Library method instead:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "snippet",
    [
        "with library.connect() as db:\n    pass",
        "with self.win.library.connect(readonly=True) as db:\n    pass",
        "open_library(args).apply(lambda ops: ops.undo())",
        "library.change(fn, include_hidden=True)",
        "win.run_op(lambda ops: name_faces(ops.database, ids, 'Anna'))",
        "from faceorganizer.core.people.ops import PeopleOps",
        "ops = PeopleOps(db)",
    ],
)
def test_a_planted_breach_is_caught(snippet: str) -> None:
    assert breaches(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "button.clicked.connect(self.save)",
        "self.people_model.apply(changes, fresh)",
        "dialog.apply()",
        "win.run_op(lambda lib: lib.undo(), label='undo')",
    ],
)
def test_what_the_faces_may_do_is_not_flagged(snippet: str) -> None:
    assert not breaches(snippet)
