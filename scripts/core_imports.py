"""How the window and the command line reach into the core, counted by the core's package.

Run: ``.venv/bin/python scripts/core_imports.py``. For each of gui and cli it prints, per core
package, three counts from the import graph (grimp, the graph import-linter checks; imports under
``if TYPE_CHECKING`` included): file pairs (importing module, imported module), import
statements, and importing files. Issue 28's "before and after" figures come from here.
"""

from __future__ import annotations

import collections

import grimp


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3]) if module.startswith("faceorganizer.core.") else module


def main() -> None:
    graph = grimp.build_graph("faceorganizer", exclude_type_checking_imports=False)
    for face in ("faceorganizer.gui", "faceorganizer.cli"):
        pairs: collections.Counter[str] = collections.Counter()
        lines: collections.Counter[str] = collections.Counter()
        files: dict[str, set[str]] = collections.defaultdict(set)
        for module in sorted(graph.find_descendants(face) | {face}):
            for imported in graph.find_modules_directly_imported_by(module):
                if not imported.startswith("faceorganizer.core"):
                    continue
                package = _package(imported)
                pairs[package] += 1
                lines[package] += len(graph.get_import_details(importer=module, imported=imported))
                files[package].add(module)
        print(f"{face.split('.')[1]}: package  file-pairs  statements  files")
        for package in sorted(pairs):
            short = package.removeprefix("faceorganizer.")
            print(f"  {short:24} {pairs[package]:4} {lines[package]:10} {len(files[package]):6}")
        print(f"  {'total':24} {sum(pairs.values()):4} {sum(lines.values()):10}")


if __name__ == "__main__":
    main()
