"""What an attachment's bytes are, decided by the bytes alone (never the file name or the client's
Content-Type), and what is kept of them.

- A photo (JPEG, PNG or WebP by its magic bytes, then opened and fully decoded by Pillow) of at
  most `MAX_FOTO_BYTES` and `MAX_PIXELS` pixels (40 megapixels) (a decompression bomb is refused before it is
  decoded) is re-encoded as a JPEG whose longest side is at most `MAX_SIDE` px, turned upright
  from its EXIF orientation, with no metadata at all: no camera make or serial, no time, no
  thumbnail, no location — unless the operator chose to keep the location (`keep_location`), in
  which case only the GPS position (latitude, longitude, altitude and their references) goes
  into the new file's EXIF.
- A PDF (starts with `%PDF-`, parsed by pypdf: at least one page, not encrypted) of at most
  `MAX_DOKUMEN_BYTES` is kept byte for byte.
- Anything else is refused (`Refused` with the HTTP status the gateway answers: 413 too large,
  415 not a kept type, 422 broken), its message in Bahasa Indonesia saying what to do next.

Pure apart from Pillow and pypdf: no nameko, no database. CPU-bound: the service runs it off the
eventlet hub (Pillow's codecs release the GIL).
"""
from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError

MIB = 1024 * 1024
MAX_FOTO_BYTES = 8 * MIB  # an uploaded photo, before re-encoding
MAX_DOKUMEN_BYTES = 10 * MIB  # a PDF
MAX_UPLOAD_BYTES = max(MAX_FOTO_BYTES, MAX_DOKUMEN_BYTES)
MAX_SIDE = 2560  # longest side of a kept photo, in pixels
MAX_PIXELS = 40_000_000  # width x height of an uploaded photo (memory: a 40 MP RGBA PNG decodes to 160 MB)
JPEG_QUALITY = 85

FOTO, DOKUMEN = "foto", "dokumen"
JPEG, PDF = "image/jpeg", "application/pdf"

# magic bytes -> Pillow format
_IMAGE_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))
_GPS_LOCATION_TAGS = (0, 1, 2, 3, 4, 5, 6)  # GPSVersionID, Latitude(Ref), Longitude(Ref), Altitude(Ref)
# EXIF orientation -> the transpose that shows the photo upright (as ImageOps.exif_transpose)
_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                8: Image.Transpose.ROTATE_90}

WHAT_IS_KEPT = ("foto JPEG, PNG atau WebP (paling besar 8 MB) atau dokumen PDF (paling besar 10 MB)")

# Pillow's own bomb guard (a warning above the limit, an error above twice the limit) is also made
# an error at the limit itself in `_open_image`; this sets the limit it compares with
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class Refused(Exception):
    """The content is not kept. `status`: 413, 415 or 422; `code`: machine-readable."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


@dataclass(frozen=True)
class Prepared:
    """What is stored: the (re-encoded) bytes and what they are."""

    jenis: str  # foto | dokumen
    content_type: str
    content: bytes
    sha256: str
    lokasi_disimpan: bool = False  # a photo's EXIF carries its GPS position

    @property
    def ukuran(self) -> int:
        return len(self.content)


def sniff(content: bytes) -> str | None:
    """"JPEG", "PNG", "WEBP", "PDF" by the leading bytes, or None."""
    for magic, kind in _IMAGE_MAGIC:
        if content.startswith(magic):
            return kind
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    if content.startswith(b"%PDF-"):
        return "PDF"
    return None


def prepare(content: bytes, keep_location: bool = False) -> Prepared:
    """The attachment to store for the uploaded `content`, or `Refused`."""
    if not content:
        raise Refused(422, "empty_file", "Berkas kosong: pilih foto atau dokumen PDF yang akan dilampirkan.")
    kind = sniff(content)
    if kind is None:
        raise Refused(415, "unsupported_type",
                      f"Jenis berkas tidak didukung (dikenali dari isinya, bukan dari nama berkas). Lampirkan "
                      f"{WHAT_IS_KEPT}; dokumen Word atau Excel simpan dulu sebagai PDF.")
    if kind == "PDF":
        return _pdf(content)
    return _photo(content, kind, keep_location)


# -- PDF ------------------------------------------------------------------------------------------

def _pdf(content: bytes) -> Prepared:
    if len(content) > MAX_DOKUMEN_BYTES:
        raise Refused(413, "file_too_large",
                      f"Dokumen PDF {_mb(len(content))} melebihi batas 10 MB. Perkecil dokumennya (mis. simpan "
                      f"ulang dengan kualitas gambar lebih rendah atau pisahkan halamannya), lalu kirim lagi.")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise Refused(422, "pdf_encrypted", "Dokumen PDF dikunci dengan kata sandi. Simpan ulang tanpa kata "
                                                "sandi, lalu kirim lagi.")
        pages = len(reader.pages)
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError, RecursionError):
        pages = 0
    if pages < 1:
        raise Refused(422, "pdf_unreadable", "Dokumen PDF rusak atau tidak dapat dibaca. Buka dokumennya di "
                                             "perangkat Anda, simpan ulang sebagai PDF, lalu kirim lagi.")
    return Prepared(DOKUMEN, PDF, content, hashlib.sha256(content).hexdigest())


# -- photos ---------------------------------------------------------------------------------------

def _photo(content: bytes, kind: str, keep_location: bool) -> Prepared:
    if len(content) > MAX_FOTO_BYTES:
        raise Refused(413, "file_too_large",
                      f"Foto {_mb(len(content))} melebihi batas 8 MB. Kirim foto dengan resolusi lebih kecil "
                      f"(aplikasi mengecilkannya otomatis; dari kamera, pilih ukuran foto lebih kecil).")
    image = _open_image(content, kind)
    gps = _gps_location(image) if keep_location else None
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        # the decoded original is the one large buffer: shrink first, then turn the small copy
        rgb = _flattened(image)
        image.close()
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        if orientation in _ORIENTATION:
            rgb = rgb.transpose(_ORIENTATION[orientation])
        out = io.BytesIO()
        options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": True}
        if gps:
            exif = Image.Exif()
            exif[ExifTags.IFD.GPSInfo] = gps
            options["exif"] = exif.tobytes()
        rgb.save(out, "JPEG", **options)  # no exif/icc/comment given: none written
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _broken() from exc
    encoded = out.getvalue()
    return Prepared(FOTO, JPEG, encoded, hashlib.sha256(encoded).hexdigest(), lokasi_disimpan=bool(gps))


def _open_image(content: bytes, kind: str) -> Image.Image:
    """The decoded image, checked: the format its magic bytes said, within MAX_PIXELS (checked from
    the header, before decoding), complete (a truncated file is refused, never padded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(content), formats=[kind])
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _bomb(width, height)
            probe.verify()  # structure and checksums (PNG CRCs), without decoding everything
            image = Image.open(io.BytesIO(content), formats=[kind])
            if kind == "JPEG":  # decode at the smallest DCT scale that still covers MAX_SIDE (faster)
                image.draft("RGB", _target_size(width, height))
            image.load()  # decodes all of it: a truncated JPEG fails here
        except Refused:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _bomb() from None  # Pillow's own guard, while opening
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError,
                struct.error) as exc:
            raise _broken() from exc
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # an animated WebP/PNG: its first frame is the photo
    return image


def _target_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flattened(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency over white, palettes and 16-bit channels converted."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode == "I;16" or image.mode == "I":
        return image.point(lambda v: v / 256).convert("RGB")
    return image.convert("RGB")


def _gps_location(image: Image.Image) -> dict | None:
    """The GPS position of the photo's EXIF (only the position tags), or None when it has none."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - a malformed EXIF block: there is no location to keep
        return None
    kept = {tag: gps[tag] for tag in _GPS_LOCATION_TAGS if tag in gps}
    return kept if 2 in kept and 4 in kept else None  # a latitude and a longitude, or nothing


def _bomb(width: int | None = None, height: int | None = None) -> Refused:
    size = f" berukuran {width}×{height} piksel" if width and height else ""
    return Refused(422, "too_many_pixels",
                   f"Foto{size} melebihi batas {MAX_PIXELS // 1_000_000} megapiksel. Kecilkan resolusinya, lalu "
                   f"kirim lagi.")


def _broken() -> Refused:
    return Refused(422, "image_unreadable", "Foto rusak atau tidak lengkap (mungkin terpotong saat dikirim). "
                                            "Ambil atau pilih fotonya lagi, lalu kirim ulang.")


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


def lampiran_location(content: bytes) -> tuple[float, float] | None:
    """(lat, lon) from a stored JPEG's EXIF, or None (for tests and checks; never used to publish)."""
    image = Image.open(io.BytesIO(content))
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    if 2 not in gps or 4 not in gps:
        return None

    def degrees(value, ref) -> float:
        d, m, s = (float(x) for x in value)
        sign = -1 if ref in ("S", "W") else 1
        return sign * (d + m / 60 + s / 3600)

    return degrees(gps[2], gps.get(1, "N")), degrees(gps[4], gps.get(3, "E"))
