"""A hostile photo library, generated on demand (never committed), and helpers to scan it.

:func:`make_hostile_library` writes every kind of file a real photo folder can throw at the
scanner and returns ``relative path -> kind``. Relative paths are ``str``; names that are not
valid UTF-8 carry surrogate escapes, so ``os.fsencode(root / rel)`` gives the exact bytes.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# Kinds the scan must process like any good photo.
PROCESSED_KINDS = frozenset(
    {
        "face-photo",
        "one-pixel",
        "png-16-bit",
        "jpeg-grayscale",
        "jpeg-cmyk",
        "gif-animated",
        "tiff-multipage",
        "jpeg-corrupt-exif",
        "non-utf8-name",
        "non-utf8-folder",
        "near-path-max",
        "inside-symlink-loop-folder",
    }
)

# Kinds the scan must refuse, with the words its reason must contain (lower case).
SKIPPED_KINDS: dict[str, tuple[str, ...]] = {
    "jpeg-truncated": ("corrupt or truncated",),
    "zero-bytes": ("empty",),
    "random-bytes": ("not an image",),
    "text-named-png": ("not an image",),
    "png-header-bomb": ("too large",),
    "non-utf8-name-not-an-image": ("not an image",),
}

# Kinds the scan cannot even list: reported on an ``unreadable:`` line.
UNREADABLE_KINDS: dict[str, tuple[str, ...]] = {
    "broken-symlink": ("no such file",),
    "symlink-cycle": ("too many levels of symbolic links",),
    "beyond-path-max": ("too long",),
}

# Not read, not a photo: the scan must only not hang or crash on them.
IGNORED_KINDS = frozenset({"symlink-loop", "fifo"})

# Depends on who runs the tests: root reads anything.
NO_READ_PERMISSION = "no-read-permission"


def is_root() -> bool:
    """Whether file permissions fail to stop this process (root, CAP_DAC_OVERRIDE, ...).

    Probed, not guessed from the user id: root without CAP_DAC_OVERRIDE is stopped like anyone.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_bytes(b"x")
        os.chmod(probe, 0)
        try:
            with open(probe, "rb"):
                return True
        except PermissionError:
            return False
        finally:
            os.chmod(probe, 0o600)


def jpeg(w: int, h: int, *, mode: str = "RGB", seed: int = 0, quality: int = 90) -> bytes:
    """A JPEG of noise over a colour, so it is not trivially small."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=3)
    arr = np.clip(base + rng.normal(0, 25, size=(h, w, 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    if mode != "RGB":
        img = img.convert(mode)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png_header_bomb(w: int = 60000, h: int = 60000) -> bytes:
    """A PNG of valid IHDR and IEND chunks claiming ``w``×``h`` pixels, with no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def jpeg_with_corrupt_exif() -> bytes:
    """A valid JPEG whose APP1 Exif segment is garbage (a TIFF header pointing nowhere)."""
    good = jpeg(120, 90, seed=7)
    rng = np.random.default_rng(7)
    payload = b"Exif\x00\x00" + b"MM\x00\x2a" + b"\xff\xff\xff\xf0" + rng.bytes(300)
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    assert good[:2] == b"\xff\xd8"
    return good[:2] + app1 + good[2:]


def png_16_bit() -> bytes:
    ramp = np.linspace(0, 65535, 64 * 48, dtype=np.float64).reshape(48, 64).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, "PNG")
    data = buf.getvalue()
    assert data[24] == 16, "not a 16-bit PNG"  # IHDR bit depth
    return data


def gif_animated() -> bytes:
    frames = [Image.new("RGB", (40, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def tiff_multipage() -> bytes:
    pages = [Image.new("RGB", (50, 40), c) for c in ((10, 20, 30), (200, 100, 50))]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


def _write(path: Path | bytes, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _rel(root: Path, path: Path | bytes) -> str:
    full = os.fsdecode(path)
    return os.path.relpath(full, os.fsdecode(root))


def make_hostile_library(root: Path, *, with_face: Path | None) -> dict[str, str]:
    """Fill ``root`` with hostile files; returns relative path -> kind of hostility."""
    root.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}

    def put(rel: str, kind: str, data: bytes) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, data)
        kinds[rel] = kind

    if with_face is not None:
        dest = root / "real" / with_face.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(with_face, dest)
        kinds[_rel(root, dest)] = "face-photo"

    # files that are not (whole) images
    truncated = jpeg(600, 400, seed=1)
    put("bad/truncated.jpg", "jpeg-truncated", truncated[: len(truncated) // 2])
    put("bad/zero.jpg", "zero-bytes", b"")
    put("bad/random.jpg", "random-bytes", np.random.default_rng(1).bytes(5000))
    put("bad/notes.png", "text-named-png", b"hello, I am a shopping list, not a picture\n" * 20)
    put("bad/bomb.png", "png-header-bomb", png_header_bomb())

    # odd but valid images
    put("odd/corrupt-exif.jpg", "jpeg-corrupt-exif", jpeg_with_corrupt_exif())
    put("odd/one-pixel.jpg", "one-pixel", jpeg(1, 1, seed=2))
    put("odd/sixteen-bit.png", "png-16-bit", png_16_bit())
    put("odd/gray.jpg", "jpeg-grayscale", jpeg(80, 60, mode="L", seed=3))
    put("odd/cmyk.jpg", "jpeg-cmyk", jpeg(80, 60, mode="CMYK", seed=4))
    put("odd/animated.gif", "gif-animated", gif_animated())
    put("odd/pages.tiff", "tiff-multipage", tiff_multipage())

    # a valid photo nobody may read (root still can)
    put("locked/secret.jpg", NO_READ_PERMISSION, jpeg(64, 48, seed=5))
    os.chmod(root / "locked" / "secret.jpg", 0)

    # links: a folder loop (two ways), a broken link, a cycle of file links
    loop = root / "loop"
    loop.mkdir()
    _write(loop / "inside.jpg", jpeg(64, 48, seed=6))
    kinds["loop/inside.jpg"] = "inside-symlink-loop-folder"
    os.symlink("..", loop / "up")
    os.symlink(".", loop / "self")
    kinds["loop/up"] = "symlink-loop"
    kinds["loop/self"] = "symlink-loop"
    os.symlink("does-not-exist.jpg", root / "links-broken.jpg")
    kinds["links-broken.jpg"] = "broken-symlink"
    os.symlink("links-cycle-b.jpg", root / "links-cycle-a.jpg")
    os.symlink("links-cycle-a.jpg", root / "links-cycle-b.jpg")
    kinds["links-cycle-a.jpg"] = "symlink-cycle"
    kinds["links-cycle-b.jpg"] = "symlink-cycle"

    # a named pipe with a photo name: opening it would block forever
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.jpg")
        kinds["pipe.jpg"] = "fifo"

    # names that are not valid UTF-8
    broot = os.fsencode(root)
    odd_name = broot + b"/caf\xe9-latin1.jpg"
    _write(odd_name, jpeg(64, 48, seed=8))
    kinds[_rel(root, odd_name)] = "non-utf8-name"
    odd_bad = broot + b"/\xff\xfe-bad.jpg"
    _write(odd_bad, b"not a picture at all")
    kinds[_rel(root, odd_bad)] = "non-utf8-name-not-an-image"
    odd_dir = broot + b"/dir-\xe9\x80"
    os.mkdir(odd_dir)
    _write(odd_dir + b"/ok.jpg", jpeg(64, 48, seed=9))
    kinds[_rel(root, odd_dir + b"/ok.jpg")] = "non-utf8-folder"

    _make_long_paths(root, kinds)
    return kinds


def _make_long_paths(root: Path, kinds: dict[str, str]) -> None:
    """Nested 250-byte folder names up to a photo whose path is just under PATH_MAX, and one
    folder beyond PATH_MAX (made relative to an open folder; no path can name it)."""
    path_max = os.pathconf(root, "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    name_max = min(255, os.pathconf(root, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255)
    file_name = "p" * (name_max - 4) + ".jpg"  # 255 bytes
    component = "d" * (name_max - 5)  # 250 bytes
    base = os.path.abspath(root / "long")
    deepest = base
    # leave room for "/" + file name + the NUL that ends a C path
    while len(os.fsencode(deepest)) + 1 + len(component) + 1 + len(file_name) + 1 <= path_max:
        deepest = os.path.join(deepest, component)
    os.makedirs(deepest)
    near = os.path.join(deepest, file_name)
    assert path_max - 300 < len(os.fsencode(near)) < path_max
    _write(Path(near), jpeg(64, 48, seed=10))
    kinds[_rel(root, near)] = "near-path-max"

    # keep nesting relative to open folders until no path can name the folder any more
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    fd = os.open(deepest, flags)
    beyond = deepest
    first_beyond = None
    try:
        while len(os.fsencode(beyond)) + 1 + len(file_name) < path_max + 2 * len(component):
            os.mkdir(component, dir_fd=fd)
            inner = os.open(component, flags, dir_fd=fd)
            os.close(fd)
            fd = inner
            beyond = os.path.join(beyond, component)
            if first_beyond is None and len(os.fsencode(beyond)) >= path_max:
                first_beyond = beyond
        out = os.open(file_name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        try:
            os.write(out, jpeg(64, 48, seed=11))
        finally:
            os.close(out)
    finally:
        os.close(fd)
    assert first_beyond is not None
    beyond = first_beyond
    kinds[_rel(root, beyond)] = "beyond-path-max"


# -- running the command line ------------------------------------------------------------------


@dataclass
class CliRun:
    """One finished ``python -m faceorganizer`` child."""

    returncode: int
    stdout: str
    stderr: str
    max_rss_bytes: int

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(prefix)]

    def summary(self) -> dict[str, str]:
        """The ``summary:`` line as key -> value."""
        (line,) = self.lines("summary: ")
        return dict(item.split("=", 1) for item in line.split()[1:])


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> CliRun:
    """Run the command line in a child and collect its output and its own peak memory.

    The child is reaped with ``os.wait4`` so its peak RSS is its own, not the largest of every
    child this test process ever had (which is what ``RUSAGE_CHILDREN`` reports). It is started
    by a small trampoline process, because Linux carries a process's peak RSS across fork and
    exec: a child forked straight from this (large) test process would report the test
    process's own peak as its own.
    """
    import tempfile

    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as rss,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, sys.executable, "-m", "faceorganizer", *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {}), "FO_RSS_FD": str(rss.fileno())},
            cwd=cwd,
            pass_fds=(rss.fileno(),),
            start_new_session=True,
        )
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, _usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        rss_text = rss.read().decode().strip()
    max_rss = int(rss_text or 0) * (1 if sys.platform == "darwin" else 1024)
    return CliRun(proc.returncode, stdout, stderr, max_rss)


# Runs argv[1:] as a child, passes its exit status on and writes the child's own peak RSS
# (ru_maxrss from wait4) to the file descriptor named by FO_RSS_FD.
_TRAMPOLINE = """
import os, signal, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda n, _f: child.send_signal(n))
while True:
    try:
        _, status, usage = os.wait4(child.pid, 0)
        break
    except InterruptedError:
        continue
os.write(int(os.environ["FO_RSS_FD"]), str(usage.ru_maxrss).encode())
code = os.waitstatus_to_exitcode(status)
if code < 0:  # ended by a signal: end the same way
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def shown(path: str | bytes | Path) -> str:
    """A path as the scanner prints it (bytes that are not UTF-8 become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def copy_photos(source: Path, dest: Path, names: list[str]) -> list[Path]:
    """Copy ``names`` from a shared (read-only) set into ``dest``, writable."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        target = dest / name
        shutil.copyfile(source / name, target)
        out.append(target)
    return out


# -- round two: files that cost too much, or that a decoder must never be handed -----------------

POSTSCRIPT_LOOP = b"%!PS-Adobe-3.0\n%%Title: holiday\n{ } loop\nshowpage\n"
EPS_ERROR = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
    b"/undefined-operator-on-purpose cvx exec\nshowpage\n%%EOF\n"
)


def tiff_many_pages(pages: int = 150_000) -> bytes:
    """A TIFF of ``pages`` pages (about 100 bytes each) sharing one 64×48 grey strip."""
    w, h = 64, 48
    strip = bytes(np.random.default_rng(12).integers(0, 256, w * h, dtype=np.uint8))
    head = b"II*\x00" + struct.pack("<I", 8 + len(strip))
    strip_at = 8
    entries = [
        (256, 3, 1, w),  # ImageWidth
        (257, 3, 1, h),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, strip_at),  # StripOffsets
        (278, 3, 1, h),  # RowsPerStrip
        (279, 4, 1, len(strip)),  # StripByteCounts
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    body = bytearray()
    first = 8 + len(strip)
    for i in range(pages):
        nxt = first + (i + 1) * ifd_size if i + 1 < pages else 0
        body += struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            body += struct.pack("<HHI", tag, typ, count)
            body += struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        body += struct.pack("<I", nxt)
    return head + strip + bytes(body)


def _gif_blocks(data: bytes) -> tuple[bytes, list[bytes]]:
    """A GIF's header (with its colour table) and its frames (extensions + image each)."""
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    header, frames, current = data[:pos], [], bytearray()

    def sub_blocks(p: int) -> int:
        while data[p]:
            p += data[p] + 1
        return p + 1

    while data[pos] != 0x3B:
        start = pos
        if data[pos] == 0x21:
            pos = sub_blocks(pos + 2)
            current += data[start:pos]
        else:  # 0x2C: an image
            lflags = data[pos + 9]
            pos += 10 + (3 * 2 ** ((lflags & 7) + 1) if lflags & 0x80 else 0)
            pos = sub_blocks(pos + 1)
            current += data[start:pos]
            frames.append(bytes(current))
            current = bytearray()
    return header, frames


def gif_many_frames(frames: int = 2000, size: tuple[int, int] = (400, 300)) -> bytes:
    """An animated GIF of ``frames`` full-size frames (one frame repeated, so it is made fast)."""
    pics = []
    for colour in ((200, 40, 40), (40, 40, 200)):
        pic = Image.new("RGB", size, colour)
        pic.paste((240, 220, 60), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
        pics.append(pic)
    buf = io.BytesIO()
    pics[0].save(buf, "GIF", save_all=True, append_images=pics[1:], duration=40, loop=0)
    header, blocks = _gif_blocks(buf.getvalue())
    return header + blocks[0] + blocks[1] * (frames - 1) + b"\x3b"


def png_one_bit(w: int = 15_492, h: int = 15_492) -> bytes:
    """A 1-bit PNG of ``w``×``h`` pixels (240 megapixels by default), white, a few MB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + b"\xff" * ((w + 7) // 8)
    z = zlib.compressobj(6)
    parts = [z.compress(row * 256) for _ in range(h // 256)]
    parts.append(z.compress(row * (h % 256)))
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def sparse_file(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space (a JPEG header, then a hole)."""
    with open(path, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(size)


def seed_corpus() -> dict[str, bytes]:
    """Small photo-file seeds for the fuzzer: every kind the hostile library holds, as bytes."""
    truncated = jpeg(120, 80, seed=1)
    return {
        "jpeg": jpeg(48, 36, seed=2),
        "jpeg-gray": jpeg(40, 30, mode="L", seed=3),
        "jpeg-cmyk": jpeg(40, 30, mode="CMYK", seed=4),
        "jpeg-corrupt-exif": jpeg_with_corrupt_exif(),
        "jpeg-truncated": truncated[: len(truncated) // 2],
        "png-16-bit": png_16_bit(),
        "png-header-bomb": png_header_bomb(),
        "png-one-bit": png_one_bit(64, 48),
        "gif-animated": gif_animated(),
        "gif-many-frames": gif_many_frames(5, (32, 24)),
        "tiff-multipage": tiff_multipage(),
        "tiff-many-pages": tiff_many_pages(5),
        "postscript": POSTSCRIPT_LOOP,
        "eps": EPS_ERROR,
        "empty": b"",
        "text": b"hello, I am a shopping list, not a picture\n",
    }
