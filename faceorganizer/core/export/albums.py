"""Exporting albums (one folder per person) by copying, hard-linking or symlinking the photos.

Safety rules, in order of importance:

* the original photos are only ever read: never opened for writing, moved, renamed or deleted;
* nothing is written anywhere but under the target folder (every destination's folder is
  resolved and checked, so a person named ``../evil`` or a folder symlinked elsewhere cannot
  lead outside it);
* every file appears under its final name whole or not at all (written to a hidden temporary
  name in the same folder, then renamed over with ``os.replace``), so a killed or cancelled
  export leaves only complete files;
* a re-export adds only what is new: each album folder keeps a small manifest
  (``.faceorganizer-album.json``) of which destination name holds which source, so the same
  source always gets the same name, even when two sources share a file name.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from faceorganizer.core.export.names import folder_key, unique_names

log = logging.getLogger(__name__)

ExportMode = Literal["copy", "hardlink", "symlink"]
EXPORT_MODES: tuple[ExportMode, ...] = ("copy", "hardlink", "symlink")

MANIFEST_NAME = ".faceorganizer-album.json"
"""The manifest kept in each album folder."""

MANIFEST_FORMAT = "faceorganizer-album"
MANIFEST_VERSION = 1
TEMP_PREFIX = ".faceorganizer-tmp-"
"""Hidden temporary files start with this; leftovers of a killed export are removed."""

MTIME_TOLERANCE_NS = 2_000_000_000
"""How far apart two mtimes may be and still count as equal (FAT keeps 2-second times)."""

# A hard link that cannot be made for one of these reasons is made as a copy instead.
_LINK_FALLBACK_ERRNOS = frozenset(
    {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}
)


@dataclass(frozen=True)
class Album:
    """What to export: a folder name (the user's text, made safe on export) and its photos."""

    name: str
    photos: Sequence[Path]


@dataclass
class ExportResult:
    """What an export did.

    ``written``: destinations created or brought up to date by this export.
    ``skipped_existing``: destinations that already held their source (nothing done).
    ``failed``: ``(source, reason)`` for every photo that could not be exported.
    ``copied_instead_of_linked``: destinations written as copies because a hard link was not
    possible (another device, or a file system without hard links); also in ``written``.
    ``cancelled``: whether ``should_stop`` ended the export early.
    Destination paths lie under the resolved (symlink-free) target folder.
    """

    written: list[Path] = field(default_factory=list)
    skipped_existing: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    copied_instead_of_linked: list[Path] = field(default_factory=list)
    cancelled: bool = False


class _OutsideTarget(Exception):
    """A destination would not lie under the target folder."""


@dataclass(frozen=True)
class _Manifest:
    """An album folder's record: the album's name and destination name -> source path."""

    album: str | None
    files: dict[str, str]


@dataclass
class _AlbumPlan:
    """One album folder and its sources, sorted by full path."""

    album_name: str
    folder_name: str
    sources: list[str]


def _source_key(photo: Path | str) -> str:
    """A source's identity for sorting and the manifest: its absolute path (links kept)."""
    return os.path.abspath(os.fspath(photo))


def _is_plain_name(name: str) -> bool:
    """Whether a name is one ordinary path component we may create in an album folder."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        return False
    if name == MANIFEST_NAME or name.startswith(TEMP_PREFIX):
        return False
    return os.path.basename(name) == name


def _is_within(path: Path, root: Path) -> bool:
    """Whether a resolved ``path`` is ``root`` or lies under it."""
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _read_manifest(folder: Path) -> _Manifest | None:
    """An album folder's manifest, or None when it has none or it cannot be used."""
    path = folder / MANIFEST_NAME
    try:
        with open(path, encoding="utf-8") as fh:
            data: Any = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable album manifest %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        log.warning("ignoring album manifest %s: not a FaceOrganizer manifest", path)
        return None
    album = data.get("album")
    raw_files = data.get("files")
    files: dict[str, str] = {}
    if isinstance(raw_files, dict):
        for dest, source in raw_files.items():
            if isinstance(dest, str) and isinstance(source, str) and _is_plain_name(dest):
                files[dest] = source
    return _Manifest(album=album if isinstance(album, str) else None, files=files)


def _write_manifest(folder: Path, album: str, files: dict[str, str]) -> None:
    """Write an album folder's manifest whole (temporary file, then rename over)."""
    payload = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "album": album,
        "files": dict(sorted(files.items())),
    }
    # ensure_ascii keeps paths with undecodable bytes (lone surrogates) writable and readable.
    text = json.dumps(payload, ensure_ascii=True, indent=2, sort_keys=False) + "\n"
    tmp = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, folder / MANIFEST_NAME)
    finally:
        _remove_quietly(tmp)


def _remove_quietly(path: Path) -> None:
    """Remove one of our own temporary files if it is there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove temporary file %s: %s", path, exc)


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed export left in an album folder."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(TEMP_PREFIX) and not entry.is_dir(follow_symlinks=False):
            log.info("removing leftover temporary file %s", entry.path)
            _remove_quietly(Path(entry.path))


def _existing_folders(target: Path) -> tuple[dict[str, _Manifest], set[str]]:
    """What is directly under the target already.

    Returns folder name -> manifest for every album folder with a manifest, and the names of
    entries that cannot serve as album folders (files, symbolic links).
    """
    found: dict[str, _Manifest] = {}
    unusable: set[str] = set()
    try:
        entries = sorted(os.scandir(target), key=lambda e: e.name)
    except OSError as exc:
        log.warning("cannot list export target %s: %s", target, exc)
        return found, unusable
    for entry in entries:
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if not is_folder:
            unusable.add(entry.name)
            continue
        manifest = _read_manifest(Path(entry.path))
        if manifest is not None:
            found[entry.name] = manifest
    return found, unusable


def _plan_folders(albums: Sequence[Album], target: Path) -> list[_AlbumPlan]:
    """Give each album (same name = same album) its folder and sorted, distinct sources.

    An album whose name a manifest under ``target`` records keeps that folder. Other albums
    get new safe, unique names (:func:`unique_names`, in sorted order of album names), never a
    folder that a manifest gives to another album, nor the name of a file or symbolic link.
    """
    sources: dict[str, dict[str, None]] = {}
    for album in albums:
        bucket = sources.setdefault(album.name, {})
        for photo in album.photos:
            bucket[_source_key(photo)] = None

    manifests, unusable = _existing_folders(target)
    pinned: dict[str, str] = {}
    for folder_name, manifest in manifests.items():
        if manifest.album in sources and manifest.album not in pinned:
            pinned[manifest.album] = folder_name
    fresh = sorted(name for name in sources if name not in pinned)
    assigned = unique_names(fresh, reserved=[*manifests, *unusable])
    assigned.update(pinned)
    return [
        _AlbumPlan(album_name=name, folder_name=assigned[name], sources=sorted(bucket))
        for name, bucket in sorted(sources.items(), key=lambda item: folder_key(assigned[item[0]]))
    ]


def _base_file_name(source: str) -> str:
    """The name a source keeps in its album, altered only where it could not be created."""
    name = os.path.basename(source).replace("\\", "_")
    if name in ("", ".", ".."):
        return "photo"
    if name.startswith(TEMP_PREFIX):
        return f"_{name}"
    return name


def _numbered_file_name(name: str, number: int) -> str:
    """``photo.jpg`` -> ``photo (2).jpg``."""
    if number == 1:
        return name
    stem, ext = os.path.splitext(name)
    return f"{stem} ({number}){ext}"


def _same_copy(dest: os.stat_result, src: os.stat_result) -> bool:
    """Whether a destination looks like a copy of the source (same size and mtime)."""
    return (
        stat.S_ISREG(dest.st_mode)
        and dest.st_size == src.st_size
        and abs(dest.st_mtime_ns - src.st_mtime_ns) <= MTIME_TOLERANCE_NS
    )


def _same_file(dest: os.stat_result, src: os.stat_result) -> bool:
    """Whether a destination is the source itself (same inode: a hard link)."""
    return (
        stat.S_ISREG(dest.st_mode)
        and dest.st_ino == src.st_ino
        and dest.st_dev == src.st_dev
        and dest.st_ino != 0
    )


def _holds_source(dest: Path, source: str, src_stat: os.stat_result, mode: ExportMode) -> bool:
    """Whether ``dest`` already holds ``source`` as this mode would have written it."""
    try:
        dest_stat = os.lstat(dest)
    except OSError:
        return False
    if mode == "symlink":
        if not stat.S_ISLNK(dest_stat.st_mode):
            return False
        try:
            link = os.readlink(dest)
        except OSError:
            return False
        return os.path.normpath(os.path.join(os.path.dirname(dest), link)) == source
    if _same_file(dest_stat, src_stat):
        return True
    # A hard link that could not be made was made as a copy: that copy counts too.
    return _same_copy(dest_stat, src_stat)


def _copy(source: str, dest: Path) -> None:
    """Copy with contents and times (shutil.copy2) to a temporary name, then rename over."""
    tmp = dest.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        shutil.copy2(source, tmp)
        os.replace(tmp, dest)
    finally:
        _remove_quietly(tmp)


def _hardlink(source: str, dest: Path) -> bool:
    """Hard-link (copy when linking is impossible); True when it had to copy."""
    tmp = dest.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        try:
            os.link(source, tmp)
        except OSError as exc:
            if exc.errno not in _LINK_FALLBACK_ERRNOS:
                raise
            log.info("cannot hard-link %s (%s); copying instead", source, exc.strerror)
            _copy(source, dest)
            return True
        os.replace(tmp, dest)
        return False
    finally:
        _remove_quietly(tmp)


def _symlink(source: str, dest: Path) -> None:
    """Make a symbolic link with an absolute target, under a temporary name, then rename."""
    tmp = dest.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        os.symlink(source, tmp)
        os.replace(tmp, dest)
    finally:
        _remove_quietly(tmp)


def _check_source(source: str) -> os.stat_result:
    """The stat of a readable regular file; raises OSError with a readable reason otherwise."""
    st = os.stat(source)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", source)
    # Opening for reading only: proves the file is readable, changes nothing.
    with open(source, "rb"):
        pass
    return st


def _reason(exc: OSError) -> str:
    """A short reason for a failed photo."""
    text = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError):
        return f"missing: {text}"
    if isinstance(exc, PermissionError):
        return f"unreadable: {text}"
    return text


class _AlbumWriter:
    """Exports one album's photos into its folder, keeping the manifest current."""

    def __init__(
        self,
        plan: _AlbumPlan,
        target: Path,
        mode: ExportMode,
        result: ExportResult,
        source_ids: set[tuple[int, int]],
    ) -> None:
        self.plan = plan
        self.target = target
        self.mode = mode
        self.result = result
        self.source_ids = source_ids
        self.folder = target / plan.folder_name
        self.folder_ready = False
        manifest = _read_manifest(self.folder) if self.folder.is_dir() else None
        self.files: dict[str, str] = dict(manifest.files) if manifest else {}
        self.by_source: dict[str, str] = {}
        for dest_name, source in sorted(self.files.items()):
            self.by_source.setdefault(source, dest_name)
        self.taken: set[str] = {folder_key(n) for n in self.files}
        self.changed = False

    def _ensure_folder(self) -> None:
        """Create the album folder and check it (and so every file in it) lies under target."""
        if self.folder_ready:
            return
        if not self.folder.is_dir():
            self.folder.mkdir(parents=False, exist_ok=True)
        if not _is_within(self.folder.resolve(strict=True), self.target):
            raise _OutsideTarget(f"album folder {self.folder} leads outside the target")
        _remove_stale_temporaries(self.folder)
        self.folder_ready = True

    def _choose_name(self, source: str, src_stat: os.stat_result) -> str:
        """The destination name for a source: the manifest's, else a free one."""
        recorded = self.by_source.get(source)
        if recorded is not None:
            return recorded
        base = _base_file_name(source)
        number = 1
        while True:
            candidate = _numbered_file_name(base, number)
            number += 1
            if not _is_plain_name(candidate) or folder_key(candidate) in self.taken:
                continue
            dest = self.folder / candidate
            if not os.path.lexists(dest):
                return candidate
            if _holds_source(dest, source, src_stat, self.mode):
                return candidate  # left by an export that could not record it
            # An existing file that is not this source: try the next number.

    def export(self, source: str) -> None:
        """Export one source photo; the outcome goes into the result."""
        src_path = Path(source)
        try:
            src_stat = _check_source(source)
        except OSError as exc:
            self._fail(src_path, _reason(exc))
            return
        try:
            self._ensure_folder()
            name = self._choose_name(source, src_stat)
            dest = self.folder / name
            if not _is_plain_name(name) or dest.parent != self.folder:
                raise _OutsideTarget(f"destination name {name!r} is not a plain file name")
            self._record(name, source)
            if _holds_source(dest, source, src_stat, self.mode):
                self.result.skipped_existing.append(dest)
                return
            self._make_room(dest)
            self._write(source, dest)
        except _OutsideTarget as exc:
            self._fail(src_path, str(exc))
        except OSError as exc:
            self._fail(src_path, _reason(exc))

    def _record(self, name: str, source: str) -> None:
        """Note in the manifest that ``name`` holds ``source``."""
        self.taken.add(folder_key(name))
        self.by_source.setdefault(source, name)
        if self.files.get(name) != source:
            self.files[name] = source
            self.changed = True

    def _make_room(self, dest: Path) -> None:
        """Check an existing destination may be replaced: ours, and not a source photo."""
        try:
            dest_stat = os.lstat(dest)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(dest_stat.st_mode):
            raise OSError(errno.EISDIR, "destination is a folder", str(dest))
        if stat.S_ISREG(dest_stat.st_mode) and (dest_stat.st_dev, dest_stat.st_ino) in (
            self.source_ids
        ):
            raise OSError(errno.EEXIST, "destination is another source photo", str(dest))
        log.info("replacing outdated %s", dest)

    def _write(self, source: str, dest: Path) -> None:
        """Write one destination in the chosen mode."""
        if self.mode == "copy":
            _copy(source, dest)
        elif self.mode == "hardlink":
            if _hardlink(source, dest):
                self.result.copied_instead_of_linked.append(dest)
        else:
            _symlink(source, dest)
        self.result.written.append(dest)

    def _fail(self, source: Path, reason: str) -> None:
        """Record a photo that could not be exported."""
        log.warning("cannot export %s: %s", source, reason)
        self.result.failed.append((source, reason))

    def finish(self) -> None:
        """Save the manifest, dropping entries whose files are gone."""
        if not self.folder_ready:
            return
        kept = {n: s for n, s in self.files.items() if os.path.lexists(self.folder / n)}
        manifest = _read_manifest(self.folder)
        if (
            not self.changed
            and kept == self.files
            and manifest is not None
            and manifest.album == self.plan.album_name
        ):
            return
        try:
            _write_manifest(self.folder, self.plan.album_name, kept)
        except OSError as exc:
            log.warning("cannot write album manifest in %s: %s", self.folder, exc)


def _source_identities(plans: Iterable[_AlbumPlan]) -> set[tuple[int, int]]:
    """(device, inode) of every source that exists, so none is ever replaced."""
    ids: set[tuple[int, int]] = set()
    for plan in plans:
        for source in plan.sources:
            try:
                st = os.stat(source)
            except OSError:
                continue
            if st.st_ino:
                ids.add((st.st_dev, st.st_ino))
    return ids


def export_albums(
    albums: Sequence[Album],
    target: Path,
    *,
    mode: ExportMode = "copy",
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ExportResult:
    """Export each album into its own folder under ``target``; re-exporting adds only what is new.

    Folders: one per album, named by :func:`~faceorganizer.core.export.names.safe_folder_name`
    and made unique with :func:`~faceorganizer.core.export.names.unique_names`; an album
    exported before keeps its folder (found through the folder's manifest). Albums with the
    same name are one album. ``target`` and the folders are created as needed.

    Files keep their names; two different sources with the same name in one album become
    ``name.jpg``, ``name (2).jpg``... in the order of their full paths, and keep those names on
    later exports (the manifest remembers them). A destination that already holds its source
    (a copy with the same size and mtime, the same inode for a hard link, a symlink to the
    same absolute path) is skipped; one that holds something else of ours is replaced whole.

    ``mode``: ``"copy"`` (shutil.copy2, via a temporary name and os.replace), ``"hardlink"``
    (a copy where a link is impossible, e.g. another device; listed in
    ``copied_instead_of_linked``. A hard link shares the original's data: editing the exported
    file in place edits the original) or ``"symlink"`` (absolute link targets).

    Sources are only read. A missing, unreadable or non-regular source goes to ``failed`` and
    the export goes on. ``progress(done, total)`` is called after each photo; ``should_stop``
    is asked before each photo and ends the export cleanly (``cancelled``), leaving only
    complete files.

    Raises ValueError for an unknown mode and OSError when ``target`` cannot be created.
    """
    if mode not in EXPORT_MODES:
        raise ValueError(f"unknown export mode {mode!r}; expected one of {EXPORT_MODES}")
    target_path = Path(os.path.abspath(os.fspath(target)))
    target_path.mkdir(parents=True, exist_ok=True)
    root = target_path.resolve(strict=True)
    if not root.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "export target is not a folder", str(target))

    plans = _plan_folders(albums, root)
    total = sum(len(plan.sources) for plan in plans)
    source_ids = _source_identities(plans)
    result = ExportResult()
    done = 0
    log.info("exporting %d photos in %d albums to %s (%s)", total, len(plans), root, mode)
    for plan in plans:
        writer = _AlbumWriter(plan, root, mode, result, source_ids)
        try:
            for source in plan.sources:
                if should_stop is not None and should_stop():
                    result.cancelled = True
                    break
                writer.export(source)
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            writer.finish()
        if result.cancelled:
            log.info("export cancelled after %d of %d photos", done, total)
            break
    log.info(
        "export done: %d written, %d already there, %d failed",
        len(result.written),
        len(result.skipped_existing),
        len(result.failed),
    )
    return result
