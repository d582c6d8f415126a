"""A small library tagged the way digiKam, Lightroom, Mylio, Windows and exiftool tag photos.

Built at test time in a temporary folder from the shared photos (read in place): every
convention of ``../shared/XMP-CONVENTIONS.md`` that decides whether a name comes back — all
eight EXIF orientations, every sidecar naming, regions where no face is detected (a tiny face,
a pet), orientation only in the sidecar, ``AppliedToDimensions`` of a resized copy and in
Lightroom's displayed frame, attribute and element forms, Bag and Seq, namespace variants,
MWG and Microsoft regions for one person, Focus/BarCode/unnamed/whole-image regions, names
with quotes, ampersands and non-Latin letters — plus a bare sidecar and a hostile one.
Embedded regions and most sidecars are written with exiftool; the forms exiftool never writes
are written as text, as the tools that use them do.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.conftest import shared_set

Box = tuple[float, float, float, float]

# PIL transposes whose result, shown under EXIF orientation o, is the upright image
_STORE_FOR = {1: None, 2: 0, 3: 3, 4: 1, 5: 5, 6: 2, 7: 6, 8: 4}  # Image.Transpose values


@dataclass(frozen=True)
class Expected:
    """A named region that must come back: that person, on that photo, with this box."""

    photo: str  # file name
    name: str
    box: Box  # normalised top-left, in the frame the app shows the photo


@dataclass
class Corpus:
    """The tagged library and what a reader must recover from it."""

    root: Path
    expected: list[Expected] = field(default_factory=list)
    read: int = 0  # region items written, of every kind
    ignored: int = 0  # of those, the ones that are not people
    foreign_sidecars: list[Path] = field(default_factory=list)
    bare_sidecars: list[Path] = field(default_factory=list)
    hostile_sidecars: list[Path] = field(default_factory=list)


def exiftool(*args: str) -> None:
    """Run exiftool quietly on a file of the corpus (never on ../shared)."""
    subprocess.run(["exiftool", "-q", "-q", "-overwrite_original", *args], check=True, timeout=60)


def _mwg_struct(regions: list[tuple[str | None, str, Box]], dims: tuple[int, int] | None,
                unit: bool = True, digits: int = 6) -> str:  # fmt: skip
    """exiftool's -struct syntax for MWG RegionInfo (boxes: stored-frame top-left)."""
    items = []
    for name, kind, (x, y, w, h) in regions:
        unit_part = ",Unit=normalized" if unit else ""
        area = (
            f"Area={{X={x + w / 2:.{digits}f},Y={y + h / 2:.{digits}f},"
            f"W={w:.{digits}f},H={h:.{digits}f}{unit_part}}}"
        )
        parts = [area, f"Type={kind}"]
        if name is not None:
            parts.append("Name=" + name.replace("|", "||").replace(",", "|,"))
        items.append("{" + ",".join(parts) + "}")
    atd = f"AppliedToDimensions={{W={dims[0]},H={dims[1]},Unit=pixel}}," if dims else ""
    return f"-XMP-mwg-rs:RegionInfo={{{atd}RegionList=[{','.join(items)}]}}"


def _to_stored(box: Box, orientation: int) -> Box:
    from faceorganizer.core.metadata.regions import displayed_to_stored

    return displayed_to_stored(box, orientation)


def _save(img: object, path: Path, orientation: int | None = None) -> None:
    from PIL import Image

    assert isinstance(img, Image.Image)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    img.convert("RGB").save(path, "JPEG", quality=92, exif=exif.tobytes())


def _stored_image(upright: object, orientation: int) -> object:
    from PIL import Image

    assert isinstance(upright, Image.Image)
    op = _STORE_FOR[orientation]
    return upright if op is None else upright.transpose(Image.Transpose(op))


def _grow(box: Box, by: float) -> Box:
    """A tool's box: the detector's grown by ``by`` of its size (heads are drawn larger)."""
    x, y, w, h = box
    return (x - w * by / 2, y - h * by / 2, w * (1 + by), h * (1 + by))


NAMES = [
    "Zoë O'Brien",
    "Bob & Co",
    "李小龍",
    "Ольга Петрова",
    'Jean "JJ" Dupont',
    "Ana María <Ana>",
    "Søren Ærø",
    "محمد علي",
    "Ελένη",
    "Mary-Kate O’Neil",
    "Zoltán Kovács",
    "Émile Zola",
    "Åsa & Ola",
    "Nguyễn Văn A",
    "Raj Kumar",
    "김지우 Kim",
    "Tiny Tim",
    "Rex",
    "Sideways Sam",
    "Resized Rita",
]


def build(root: Path, upright_boxes: dict[str, Box]) -> Corpus:
    """Make the corpus in ``root``; ``upright_boxes``: face box (normalised) of each LFW photo."""
    from PIL import Image

    lfw = shared_set("lfw-fold1")
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root)
    faces = iter(sorted(upright_boxes))
    names = iter(NAMES)

    def face_photo() -> tuple[object, Box]:
        src = next(faces)
        return Image.open(lfw / src).convert("RGB").resize((300, 300)), upright_boxes[src]

    # all eight orientations, regions embedded in the stored frame (exiftool)
    for o in range(1, 9):
        img, box = face_photo()
        name = next(names)
        path = root / f"orient{o}.jpg"
        _save(_stored_image(img, o), path, o)
        region = _grow(box, 0.1)
        exiftool(_mwg_struct([(name, "Face", _to_stored(region, o))], (300, 300)), str(path))
        corpus.expected.append(Expected(path.name, name, region))
        corpus.read += 1

    # sidecar namings; side2 is Lightroom's: orientation 6, no unit, 5 digits, AppliedTo-
    # Dimensions in the displayed frame, photo.xmp
    namings = [
        ("side1.jpg", "side1.jpg.xmp", 1),
        ("side2.jpg", "side2.xmp", 6),
        ("SIDE3.JPG", "SIDE3.XMP", 1),
        ("side4.jpg", "Side4.JPG.xmp", 1),
        ("raw5.jpg", "raw5.CR2.xmp", 1),  # the sidecar of a RAW beside its JPEG
    ]
    for photo, sidecar, o in namings:
        img, box = face_photo()
        name = next(names)
        _save(_stored_image(img, o), root / photo, o if o != 1 else None)
        region = _grow(box, 0.05)
        lightroom = photo == "side2.jpg"
        exiftool(
            _mwg_struct(
                [(name, "Face", _to_stored(region, o))],
                (300, 300),
                unit=not lightroom,
                digits=5 if lightroom else 6,
            ),
            str(root / sidecar),
        )
        corpus.expected.append(Expected(photo, name, region))
        corpus.foreign_sidecars.append(root / sidecar)
        corpus.read += 1

    # digiKam: MWG and MP for the same person (one face), old namespace, keywords
    img, box = face_photo()
    name = next(names)
    _save(img, root / "digikam6.jpg")
    x, y, w, h = box
    (root / "digikam6.jpg.xmp").write_text(
        f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:digiKam="http://www.digikam.org/"
    xmlns:MP="http://ns.microsoft.com/photo/1.2/"
    xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
    xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:dc="http://purl.org/dc/elements/1.1/">
   <digiKam:TagsList><rdf:Seq><rdf:li>People/{_xml(name)}</rdf:li></rdf:Seq></digiKam:TagsList>
   <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
     <rdf:li MPReg:PersonDisplayName="{_xml(name)}"
       MPReg:Rectangle="{x:.6f}, {y:.6f}, {w:.6f}, {h:.6f}"/>
     <rdf:li MPReg:PersonDisplayName="Tag Without Box"/>
   </rdf:Bag></MPRI:Regions></MP:RegionInfo>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="300" stDim:h="300" stDim:unit="pixel"/>
    <mwg-rs:RegionList><rdf:Bag>
     <rdf:li><rdf:Description mwg-rs:Name="{_xml(name)}" mwg-rs:Type="Face">
      <mwg-rs:Area stArea:x="{x + w / 2:.6f}" stArea:y="{y + h / 2:.6f}" stArea:w="{w:.6f}"
        stArea:h="{h:.6f}" stArea:unit="normalized"/>
     </rdf:Description></rdf:li>
    </rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
   <dc:subject><rdf:Bag><rdf:li>{_xml(name)}</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
""",
        encoding="utf-8",
    )
    corpus.expected.append(Expected("digikam6.jpg", name, box))
    corpus.foreign_sidecars.append(root / "digikam6.jpg.xmp")
    corpus.read += 2  # the MP twin of the MWG region is the same region
    corpus.ignored += 1  # the person tag without a box

    # Mylio / iPhone: rdf:Seq, attribute form; an unnamed face, a whole-image region, Focus,
    # BarCode and the same name twice
    img, box = face_photo()
    name = next(names)
    _save(img, root / "mylio7.jpg")
    x, y, w, h = _grow(box, 0.2)

    def li(attrs: str, cx: float, cy: float, cw: float, ch: float) -> str:
        return (
            f'<rdf:li rdf:parseType="Resource">{attrs}<mwg-rs:Area stArea:x="{cx:.4f}" '
            f'stArea:y="{cy:.4f}" stArea:w="{cw:.4f}" stArea:h="{ch:.4f}" '
            f'stArea:unit="normalized"/></rdf:li>'
        )

    regions_xml = "".join(
        [
            li(f"<mwg-rs:Name>{_xml(name)}</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>",
               x + w / 2, y + h / 2, w, h),
            li("<mwg-rs:Type>Face</mwg-rs:Type>", 0.1, 0.1, 0.1, 0.1),
            li("<mwg-rs:Type>Face</mwg-rs:Type><mwg-rs:Name>Everyone</mwg-rs:Name>",
               0.5, 0.5, 1.0, 1.0),
            li("<mwg-rs:Type>Focus</mwg-rs:Type><mwg-rs:Name>AF point</mwg-rs:Name>",
               0.5, 0.5, 0.05, 0.05),
            li("<mwg-rs:Type>BarCode</mwg-rs:Type><mwg-rs:Name>1234</mwg-rs:Name>",
               0.9, 0.9, 0.1, 0.1),
            li(f"<mwg-rs:Name>{_xml(name)}</mwg-rs:Name>", 0.8, 0.2, 0.1, 0.1),
        ]
    )  # fmt: skip
    (root / "mylio7.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" '
        'xmlns:apple-fi="http://ns.apple.com/faceinfo/1.0/" apple-fi:AngleInfoYaw="0">'
        f'<mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Seq>{regions_xml}'
        "</rdf:Seq></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    corpus.expected.append(Expected("mylio7.jpg", name, (x, y, w, h)))
    corpus.foreign_sidecars.append(root / "mylio7.xmp")
    corpus.read += 6
    corpus.ignored += 5

    # Windows Photo Gallery: Microsoft regions only, namespace without the trailing slash
    img, box = face_photo()
    name = next(names)
    _save(img, root / "windows8.jpg")
    x, y, w, h = box
    (root / "windows8.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:MP="http://ns.microsoft.com/photo/1.2" '
        'xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#" '
        'xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"><MP:RegionInfo><rdf:Description>'
        "<MPRI:Regions><rdf:Bag><rdf:li><rdf:Description>"
        f"<MPReg:Rectangle>{x:.5f}, {y:.5f}, {w:.5f}, {h:.5f}</MPReg:Rectangle>"
        f"<MPReg:PersonDisplayName>{_xml(name)}</MPReg:PersonDisplayName>"
        "</rdf:Description></rdf:li></rdf:Bag></MPRI:Regions></rdf:Description></MP:RegionInfo>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    corpus.expected.append(Expected("windows8.jpg", name, box))
    corpus.foreign_sidecars.append(root / "windows8.jpg.xmp")
    corpus.read += 1

    # no detectable face: a face 14 pixels wide on a large textured canvas, and a pet region
    img, box = face_photo()
    rng = np.random.default_rng(7)
    canvas = Image.fromarray(rng.integers(90, 160, (480, 640, 3), dtype=np.uint8))
    tiny = img.resize((20, 20))  # type: ignore[attr-defined]
    canvas.paste(tiny, (300, 200))
    _save(canvas, root / "tiny9.jpg")
    fx, fy, fw, fh = box
    face_box = ((300 + fx * 20) / 640, (200 + fy * 20) / 480, fw * 20 / 640, fh * 20 / 480)
    pet_box = (0.1, 0.6, 0.2, 0.25)
    tiny_name, pet_name = "Tiny Tim", "Rex"
    exiftool(
        _mwg_struct([(tiny_name, "Face", face_box), (pet_name, "Pet", pet_box)], (640, 480)),
        str(root / "tiny9.jpg"),
    )
    corpus.expected += [
        Expected("tiny9.jpg", tiny_name, face_box),
        Expected("tiny9.jpg", pet_name, pet_box),
    ]
    corpus.read += 2

    # orientation only in the sidecar (digiKam on a read-only file): stored sideways, no EXIF
    img, box = face_photo()
    _save(_stored_image(img, 6), root / "sideways10.jpg")
    stored = _to_stored(box, 6)
    exiftool(
        "-n",
        "-XMP-tiff:Orientation=6",
        _mwg_struct([("Sideways Sam", "Face", stored)], (300, 300)),
        str(root / "sideways10.jpg.xmp"),
    )
    # the app shows the file as stored, so the region stays where the file has it
    corpus.expected.append(Expected("sideways10.jpg", "Sideways Sam", stored))
    corpus.foreign_sidecars.append(root / "sideways10.jpg.xmp")
    corpus.read += 1

    # a resized copy: AppliedToDimensions still says the original's size
    img, box = face_photo()
    img.resize((200, 200)).save(root / "resized11.jpg", "JPEG", quality=92)  # type: ignore[attr-defined]
    resized = _mwg_struct([("Resized Rita", "Face", box)], (1200, 1200))
    exiftool(resized, str(root / "resized11.jpg"))
    corpus.expected.append(Expected("resized11.jpg", "Resized Rita", box))
    corpus.read += 1

    # a sidecar with no photo, and a hostile one beside a good photo
    bare = root / "ghost.jpg.xmp"
    shutil.copy2(root / "side1.jpg.xmp", bare)
    corpus.bare_sidecars.append(bare)
    img, box = face_photo()
    _save(img, root / "deep12.jpg")
    hostile = root / "deep12.jpg.xmp"
    hostile.write_text(deep_sidecar(3000), encoding="utf-8")
    corpus.hostile_sidecars.append(hostile)
    return corpus


def deep_sidecar(depth: int) -> str:
    """A sidecar whose region name nests rdf:Alt/rdf:li ``depth`` levels deep."""
    inner = "Deep"
    for _ in range(depth):
        inner = f"<rdf:Alt><rdf:li>{inner}</rdf:li></rdf:Alt>"
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">'
        '<mwg-rs:Regions rdf:parseType="Resource">'
        '<mwg-rs:RegionList><rdf:Bag><rdf:li rdf:parseType="Resource"><mwg-rs:Area stArea:x="0.5" '
        'stArea:y="0.5" stArea:w="0.3" stArea:h="0.3"/>'
        f"<mwg-rs:Name>{inner}</mwg-rs:Name></rdf:li></rdf:Bag></mwg-rs:RegionList>"
        "</mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def upright_boxes(count: int = 20) -> dict[str, Box]:
    """The main face of the first LFW photos at 300×300, found by the default pack."""
    from PIL import Image

    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import decode_bytes

    engine = FaceEngine()
    lfw = shared_set("lfw-fold1")
    out: dict[str, Box] = {}
    for path in sorted(lfw.glob("l*.jpg"))[: count + 6]:
        import io

        buf = io.BytesIO()
        Image.open(path).convert("RGB").resize((300, 300)).save(buf, "JPEG", quality=92)
        faces = engine.analyse(decode_bytes(buf.getvalue(), name="x.jpg"))
        big = [f for f in faces if f.box[2] >= 80]
        if len(big) == 1:
            x, y, w, h = big[0].box
            out[path.name] = (x / 300, y / 300, w / 300, h / 300)
        if len(out) == count:
            break
    return out
