"""The Picasa and Takeout files beside a photo, found as a scan finds XMP sidecars.

A scan reads, for each photo it analysed, its folder's ``.picasa.ini`` / ``Picasa.ini`` (read
once per folder; names from its own ``[Contacts2]``) and its Google Takeout JSON sidecar. Each
file is read on its own: a bad one costs only its own names and is reported.
"""

from __future__ import annotations

from pathlib import Path

from faceorganizer.core.metadata.foreign import ForeignRead, ForeignRegion
from faceorganizer.core.metadata.picasa import is_picasa_ini, read_ini_file
from faceorganizer.core.metadata.regions import SidecarFinder
from faceorganizer.core.metadata.safe import MetadataError
from faceorganizer.core.metadata.takeout import TakeoutFinder, read_sidecar


class PhotoSources:
    """Picasa regions and Takeout names of single photos, each folder's files read once.

    Picasa names a photo in any letter case (it ran on Windows): sections match ignoring case.
    """

    def __init__(self, finder: SidecarFinder) -> None:
        self.finder = finder
        self._picasa: dict[Path, tuple[dict[str, list[ForeignRegion]], list[tuple[str, str]]]] = {}
        self._takeout: dict[Path, TakeoutFinder] = {}

    def _folder_picasa(
        self, folder: Path
    ) -> tuple[dict[str, list[ForeignRegion]], list[tuple[str, str]]]:
        found = self._picasa.get(folder)
        if found is None:
            read = ForeignRead()
            for name in self.finder.names_in(folder):
                if is_picasa_ini(name):
                    read_ini_file(folder / name, {}, read)
            by_name: dict[str, list[ForeignRegion]] = {}
            for r in read.regions:
                by_name.setdefault(Path(r.path).name.casefold(), []).append(r)
            found = (by_name, read.problems)
            self._picasa[folder] = found
            problems = read.problems
        else:
            problems = []
        return found[0], problems

    def for_photo(self, photo_path: str, problems: list[tuple[str, str]]) -> list[ForeignRegion]:
        """The photo's Picasa regions and Takeout names; problems (once per file) appended."""
        path = Path(photo_path)
        folder = path.parent
        picasa, new_problems = self._folder_picasa(folder)
        problems.extend(new_problems)
        out = [ForeignRegion(photo_path, r.name, r.box, r.frame, r.unit, r.source)
               for r in picasa.get(path.name.casefold(), [])]  # fmt: skip
        takeout = self._takeout.get(folder)
        if takeout is None:
            names = [n for n in self.finder.names_in(folder) if n.lower().endswith(".json")]
            takeout = self._takeout[folder] = TakeoutFinder(names)
        side = takeout.sidecar(path.name)
        if side is not None:
            try:
                people = read_sidecar(folder / side)
            except (MetadataError, OSError) as exc:
                problems.append((str(folder / side), str(exc)))
            else:
                out.extend(ForeignRegion(photo_path, n, None, source="takeout") for n in people)
        return out
