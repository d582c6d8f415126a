"""Make a built one-folder bundle (Linux) smaller without changing what the program does.

    python packaging/slim.py dist/faceorganizer [--keep-icu-data]

1. ``strip --strip-debug`` on the files that carry debug information (the interpreter, locally
   built extensions such as hnswlib and hdbscan): their code is untouched.
2. OpenCV's video stack (FFmpeg, and the codecs and TLS libraries it pulls in) is replaced by
   stub libraries: ``cv2`` links to FFmpeg for ``VideoCapture``/``VideoWriter``, which the
   program never uses. Each stub has the real library's file name, soname and symbol versions
   and defines exactly the symbols the bundle imports from it (functions return 0).
   Likewise OpenCV's AVIF reader (photos are decoded by Pillow), x265 (pillow-heif's HEIC
   *encoder*; decoding uses libde265) and Qt's ICU locale data (see ``ICU_DATA``; kept with
   ``--keep-icu-data``).
3. OpenCV's own OpenBLAS copy (plus its gfortran) is replaced by a shim that forwards the 19
   BLAS/LAPACK functions ``cv2`` imports to SciPy's OpenBLAS (same LP64 interface, symbols
   prefixed ``scipy_``), so one OpenBLAS per integer width is shipped.
4. Identical libraries in two wheels' ``.libs`` folders become one file and a symlink.

Needs ``gcc``, ``nm``, ``readelf`` and ``strip`` (binutils); a step whose tools are missing is
skipped with a warning. ``packaging/check_libs.py`` and the smoke tests run afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

# Libraries replaced by stubs: (folder under _internal, file-name prefix).
STUBS = (
    ("opencv_python_headless.libs", "libavcodec-"),
    ("opencv_python_headless.libs", "libavformat-"),
    ("opencv_python_headless.libs", "libavutil-"),
    ("opencv_python_headless.libs", "libswscale-"),
    # cv2.imread's AVIF; photos are decoded by Pillow (which has its own libavif)
    ("opencv_python_headless.libs", "libavif-"),
    ("pillow_heif.libs", "libx265-"),
)
# Qt's ICU *data* (locale data, collation and break rules; 32 MB). Without it ICU reports its
# data missing and Qt falls back to its own Unicode tables (case mapping is built into
# libicuuc); FaceOrganizer sorts and matches names in Python, never through QCollator.
ICU_DATA = ("PySide6/Qt/lib", "libicudata")
# Libraries removed once nothing in the bundle links to them any more (prefixes of file names in
# ``_internal`` and its ``*.libs`` folders). PyInstaller collects them for files the spec drops
# or this script replaces: the GTK theme's drawing stack (cairo, pango, harfbuzz, gio, and
# Kerberos through gio), FFmpeg's codecs and TLS, OpenCV's own gfortran/quadmath (its OpenBLAS
# is forwarded to SciPy's) and dav1d (its AVIF reader is a stub), and glibc's libmvec (part of
# glibc: never bundled; nothing links to it). A library still linked from a kept file stays.
UNUSED_AFTER = (
    "libswresample-",
    "libvpx-",
    "libssl-",
    "libcrypto-",
    "libdrm-",
    "libaom-",
    "libdav1d-",
    "libcairo-gobject.so",
    "libcairo.so",
    "libpangocairo-",
    "libpangoft2-",
    "libpango-",
    "libharfbuzz.so",
    "libgraphite2.so",
    "libthai.so",
    "libdatrie.so",
    "libfribidi.so",
    "libpixman-",
    "libXrender.so",
    "libXext.so",
    "libgio-2.0.so",
    "libgmodule-2.0.so",
    "libgthread-2.0.so",
    "libmount.so",
    "libblkid.so",
    "libselinux.so",
    "libgssapi_krb5.so",
    "libkrb5.so",
    "libk5crypto.so",
    "libkrb5support.so",
    "libkeyutils.so",
    "libcom_err.so",
    "libjpeg.so.62",
    "libmvec.so",
)
# OpenCV's own Fortran runtime, unused once its OpenBLAS is forwarded to SciPy's (other wheels'
# copies, e.g. the one SciPy's OpenBLAS links, stay).
UNUSED_IN_FOLDER = (("opencv_python_headless.libs", ("libgfortran-", "libquadmath-")),)
OPENCV_BLAS = "libopenblasp-"


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)]


def needed(path: Path) -> list[str]:
    out = run("readelf", "-d", "-W", str(path))
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def soname(path: Path) -> str:
    found = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", run("readelf", "-d", str(path)))
    return found.group(1) if found else path.name


def size_of(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def strip_debug(root: Path) -> None:
    for path in elf_files(root):
        if ".debug_info" not in run("readelf", "-S", "-W", str(path)):
            continue
        mode = path.stat().st_mode
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        os.chmod(path, mode)


def imported_symbols(root: Path, lib: Path) -> dict[str, str]:
    """{symbol: version or ''} that the bundle's files linking to ``lib`` import from it."""
    name = lib.name
    wanted: dict[str, str] = {}
    defined = defined_symbols(lib)
    for path in elf_files(root):
        if path == lib or name not in needed(path):
            continue
        for line in run("nm", "-D", "--undefined-only", str(path)).splitlines():
            sym = line.split()[-1]
            base, _, version = sym.partition("@")
            version = version.lstrip("@")
            if base in defined:
                wanted[base] = version
    return wanted


def defined_symbols(lib: Path) -> dict[str, tuple[str, int]]:
    """{symbol: (FUNC|OBJECT, size)} of a library's exported symbols."""
    out = {}
    for line in run("readelf", "--dyn-syms", "-W", str(lib)).splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[6] == "UND" or parts[3] not in ("FUNC", "OBJECT", "IFUNC"):
            continue
        base = parts[7].split("@")[0]
        out[base] = ("OBJECT" if parts[3] == "OBJECT" else "FUNC", int(parts[2], 0))
    return out


def build_stub(
    lib: Path, symbols: dict[str, str], work: Path, object_size: int | None = None
) -> None:
    """Replace ``lib`` with a stub defining ``symbols`` (with their versions); data symbols
    are zero-filled, of their real size or ``object_size``."""
    kinds = defined_symbols(lib)
    src = [f"/* stub of {lib.name}: the program never calls into it */"]
    by_version: dict[str, list[str]] = defaultdict(list)
    for sym, version in sorted(symbols.items()):
        kind, size = kinds[sym]
        if kind == "OBJECT":
            src.append(f"char {sym}[{max(object_size or size, 1)}];")
        else:
            src.append(f"long {sym}(void) {{ return 0; }}")
        by_version[version or "STUB"].append(sym)
    c_file = work / f"{lib.name}.c"
    c_file.write_text("\n".join(src) + "\n")
    script = work / f"{lib.name}.map"
    script.write_text(
        "".join(
            f"{v} {{ global: {' '.join(s + ';' for s in syms)} local: *; }};\n"
            for v, syms in by_version.items()
        )
    )
    out = work / lib.name
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O1",
            "-fno-builtin",
            "-o",
            str(out),
            str(c_file),
            f"-Wl,--version-script={script}",
            f"-Wl,-soname,{soname(lib)}",
        ],
        check=True,
    )
    mode = lib.stat().st_mode
    shutil.copyfile(out, lib)
    os.chmod(lib, mode)


def blas_shim(root: Path, work: Path) -> bool:
    """OpenCV's OpenBLAS -> a forwarder to SciPy's (scipy_-prefixed) OpenBLAS."""
    internal = root / "_internal"
    ours = next((internal / "opencv_python_headless.libs").glob(f"{OPENCV_BLAS}*"), None)
    scipy_blas = next((internal / "scipy.libs").glob("libscipy_openblas-*.so"), None)
    if ours is None or scipy_blas is None:
        return False
    target_syms = defined_symbols(scipy_blas)
    symbols = imported_symbols(root, ours)
    if not symbols or any(f"scipy_{s}" not in target_syms for s in symbols):
        print(f"slim: keeping {ours.name} (SciPy's OpenBLAS lacks some of its functions)")
        return False
    asm = [".text"]
    for sym in sorted(symbols):
        asm += [f".globl {sym}", f".type {sym},@function", f"{sym}:", f"  jmp scipy_{sym}@PLT"]
    asm.append('.section .note.GNU-stack,"",@progbits')
    s_file = work / "blas_shim.s"
    s_file.write_text("\n".join(asm) + "\n")
    out = work / ours.name
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-nostdlib",
            "-o",
            str(out),
            str(s_file),
            f"-Wl,-soname,{soname(ours)}",
            f"-L{scipy_blas.parent}",
            f"-l:{scipy_blas.name}",
            "-Wl,-rpath,$ORIGIN/../scipy.libs",
            "-Wl,--enable-new-dtags",
        ],
        check=True,
    )
    mode = ours.stat().st_mode
    shutil.copyfile(out, ours)
    os.chmod(ours, mode)
    return True


def remove_unused(root: Path) -> list[str]:
    """Delete the ``UNUSED_AFTER`` (and ``UNUSED_IN_FOLDER``) libraries that nothing in the
    bundle links to now; repeated, as removing one can leave another unlinked."""
    internal = root / "_internal"
    removed: list[str] = []
    while True:
        linked = {name for path in elf_files(root) for name in needed(path)}
        candidates = [
            lib
            for lib in [*internal.glob("*.so*"), *internal.glob("*.libs/*")]
            if lib.name.startswith(UNUSED_AFTER)
        ]
        for folder, prefixes in UNUSED_IN_FOLDER:
            candidates += [p for p in (internal / folder).glob("*") if p.name.startswith(prefixes)]
        gone = sorted({lib for lib in candidates if lib.name not in linked})
        if not gone:
            return removed
        for lib in gone:
            lib.unlink()
            removed.append(lib.name)


def dedupe_libs(root: Path) -> int:
    """Identical files of the same name in two ``*.libs`` folders: keep one, link the other."""
    seen: dict[tuple[str, str], Path] = {}
    saved = 0
    for lib in sorted((root / "_internal").glob("*.libs/*")):
        if lib.is_symlink() or not lib.is_file():
            continue
        key = (lib.name, hashlib.sha256(lib.read_bytes()).hexdigest())
        first = seen.setdefault(key, lib)
        if first is not lib:
            saved += lib.stat().st_size
            lib.unlink()
            lib.symlink_to(os.path.relpath(first, lib.parent))
    return saved


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = Path(args[0] if args else "dist/faceorganizer").resolve()
    if not sys.platform.startswith("linux"):
        return 0
    tools = [t for t in ("readelf", "nm", "strip", "gcc") if shutil.which(t) is None]
    if tools:
        print(f"slim: warning: {', '.join(tools)} missing: the bundle is not made smaller")
        return 0
    before = size_of(root)
    strip_debug(root)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for folder, prefix in STUBS:
            for lib in sorted((root / "_internal" / folder).glob(f"{prefix}*")):
                if not lib.is_symlink():
                    build_stub(lib, imported_symbols(root, lib), work)
        icu = "--keep-icu-data" not in sys.argv
        if icu:
            for lib in sorted((root / "_internal" / ICU_DATA[0]).glob(f"{ICU_DATA[1]}*")):
                symbols = {s: "" for s in defined_symbols(lib)}
                build_stub(lib, symbols, work, object_size=64)
        shimmed = blas_shim(root, work)
    removed = remove_unused(root)
    deduped = dedupe_libs(root)
    after = size_of(root)
    print(
        f"slim: {before / 2**20:.0f} MiB -> {after / 2**20:.0f} MiB (debug info stripped; "
        f"stubs for "
        f"{', '.join(p.rstrip('-') for _, p in STUBS)}{', ICU data' if icu else ''}; "
        f"OpenCV's OpenBLAS "
        f"{'forwarded to SciPy' if shimmed else 'kept'}; removed {len(removed)} unused "
        f"libraries ({' '.join(removed)}); {deduped / 2**20:.1f} MiB of duplicates linked)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
