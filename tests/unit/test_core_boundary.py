"""The headless core never imports Qt, the GUI or the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "faceorganizer" / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "faceorganizer.gui", "faceorganizer.cli")


def test_no_forbidden_import_statements() -> None:
    offenders = []
    for file in CORE.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{file.relative_to(CORE)}: {name}")
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import pkgutil, sys, importlib, faceorganizer.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'faceorganizer.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6') or m.startswith(('faceorganizer.gui', "
        "'faceorganizer.cli'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
