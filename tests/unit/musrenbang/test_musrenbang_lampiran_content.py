"""Attachment content: sniffed from the bytes, photos re-encoded without metadata (GPS kept only
when asked), PDFs parsed, bombs and broken files refused. Real image bytes made with Pillow."""
import io

import pytest
from PIL import ExifTags, Image

from musrenbang import lampiran_content as lc

GPS = {0: b"\x02\x02\x00\x00", 1: "S", 2: (1.0, 7.0, 24.0), 3: "E", 4: (99.0, 39.0, 4.0), 5: b"\x00",
       6: 312.5, 7: (10.0, 20.0, 30.0), 29: "2027:01:05", 27: b"ASCII\x00\x00\x00GPS"}


def _photo(fmt="JPEG", size=(640, 480), exif: Image.Exif | None = None, mode="RGB", **save) -> bytes:
    image = Image.new(mode, size, (30, 120, 200) if mode == "RGB" else None)
    if mode == "RGB":  # something that is not flat, so that re-encoding has work to do
        for x in range(0, size[0], 16):
            image.putpixel((x, x * size[1] // size[0]), (255, 255, 0))
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif.tobytes()
    image.save(out, fmt, **save)
    return out.getvalue()


def _camera_exif(orientation: int | None = None, gps: dict | None = GPS) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042-SECRET"
    exif[ExifTags.Base.DateTime] = "2027:01:05 08:00:00"
    exif[ExifTags.Base.Artist] = "Budi Santoso"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = gps
    return exif


def _pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# -- photos -----------------------------------------------------------------------------------------

def test_a_photo_with_gps_is_re_encoded_as_jpeg_with_every_exif_tag_stripped():
    raw = _photo(exif=_camera_exif())
    assert b"SN-0042-SECRET" in raw and lc.lampiran_location(raw) is not None

    kept = lc.prepare(raw, keep_location=False)

    assert (kept.jenis, kept.content_type, kept.lokasi_disimpan) == ("foto", "image/jpeg", False)
    image = _opened(kept.content)
    assert image.format == "JPEG" and image.size == (640, 480)
    assert dict(image.getexif()) == {}
    assert lc.lampiran_location(kept.content) is None
    for secret in (b"SN-0042-SECRET", b"Canon", b"Budi Santoso", b"Exif"):
        assert secret not in kept.content


def test_simpan_lokasi_keeps_only_the_gps_position():
    raw = _photo(exif=_camera_exif())

    kept = lc.prepare(raw, keep_location=True)

    assert kept.lokasi_disimpan is True
    exif = _opened(kept.content).getexif()
    assert set(exif) == {ExifTags.IFD.GPSInfo}  # no Make, Model, serial, time, artist
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert set(gps) <= {0, 1, 2, 3, 4, 5, 6}  # position only: no GPS time, date or processing method
    lat, lon = lc.lampiran_location(kept.content)
    assert lat == pytest.approx(-(1 + 7 / 60 + 24 / 3600)) and lon == pytest.approx(99 + 39 / 60 + 4 / 3600)
    for secret in (b"SN-0042-SECRET", b"Canon", b"Budi Santoso", b"2027:01:05"):
        assert secret not in kept.content


def test_simpan_lokasi_on_a_photo_without_gps_keeps_no_exif():
    kept = lc.prepare(_photo(exif=_camera_exif(gps=None)), keep_location=True)
    assert kept.lokasi_disimpan is False
    assert dict(_opened(kept.content).getexif()) == {}


def test_the_orientation_is_applied_before_the_exif_goes():
    raw = _photo(size=(400, 200), exif=_camera_exif(orientation=6))  # stored sideways, shown upright
    kept = lc.prepare(raw)
    assert _opened(kept.content).size == (200, 400)


def test_a_large_photo_is_shrunk_to_the_longest_side():
    kept = lc.prepare(_photo(size=(4000, 1000), quality=60))
    assert _opened(kept.content).size == (lc.MAX_SIDE, 640)


@pytest.mark.parametrize("fmt,mode", [("PNG", "RGB"), ("PNG", "RGBA"), ("WEBP", "RGB"), ("PNG", "P")])
def test_png_and_webp_become_jpeg(fmt, mode):
    kept = lc.prepare(_photo(fmt, mode=mode))
    image = _opened(kept.content)
    assert (image.format, image.mode, kept.content_type) == ("JPEG", "RGB", "image/jpeg")


def test_a_png_named_like_a_pdf_is_a_photo_and_a_pdf_named_like_a_photo_is_a_pdf():
    # the name never reaches this module: only the bytes decide
    assert lc.prepare(_photo("PNG")).jenis == "foto"
    document = _pdf()
    kept = lc.prepare(document)
    assert (kept.jenis, kept.content_type, kept.content) == ("dokumen", "application/pdf", document)


def test_a_truncated_jpeg_is_refused_as_broken():
    raw = _photo(size=(800, 600), quality=95)
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(raw[: len(raw) * 2 // 3])
    assert (refused.value.status, refused.value.code) == (422, "image_unreadable")
    assert "kirim ulang" in refused.value.message


def test_a_png_with_a_broken_checksum_is_refused():
    raw = bytearray(_photo("PNG"))
    raw[40] ^= 0xFF  # inside the first chunk after IHDR: its CRC no longer matches
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(bytes(raw))
    assert refused.value.status == 422


def test_an_oversize_photo_is_refused_with_413_before_decoding():
    raw = _photo()
    oversize = raw + b"\x00" * (lc.MAX_FOTO_BYTES + 1 - len(raw))
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(oversize)
    assert (refused.value.status, refused.value.code) == (413, "file_too_large")
    assert "8 MB" in refused.value.message


def test_an_oversize_pdf_is_refused_with_413():
    document = _pdf()
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(document + b"\n%" + b"x" * (lc.MAX_DOKUMEN_BYTES))
    assert (refused.value.status, refused.value.code) == (413, "file_too_large")
    assert "10 MB" in refused.value.message


@pytest.mark.parametrize("size", [(10_000, 10_000), (7_000, 6_000)])  # above Pillow's 2x limit; just above ours
def test_a_pixel_bomb_is_refused_from_its_header(size):
    # a PNG of one colour compresses to a few hundred KB: 100 or 42 megapixels to decode
    bomb = _photo("PNG", size=size, mode="L")
    assert len(bomb) < lc.MAX_FOTO_BYTES
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(bomb)
    assert (refused.value.status, refused.value.code) == (422, "too_many_pixels")
    assert "megapiksel" in refused.value.message


@pytest.mark.parametrize("content", [
    b"PK\x03\x04 a docx is a zip", b"GIF89a\x01\x00\x01\x00", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"\x00\x00\x00\x18ftypheic", b"hello, this is text named foto.jpg",
])
def test_other_types_are_refused_with_415(content):
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(content)
    assert (refused.value.status, refused.value.code) == (415, "unsupported_type")
    assert "JPEG, PNG atau WebP" in refused.value.message and "PDF" in refused.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(b"")
    assert refused.value.status == 422


@pytest.mark.parametrize("content", [b"%PDF-1.7\nnot really a pdf at all", b"%PDF-"])
def test_something_that_only_starts_like_a_pdf_is_refused(content):
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(content)
    assert (refused.value.status, refused.value.code) == (422, "pdf_unreadable")


def test_an_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf())))
    writer.encrypt("rahasia")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(out.getvalue())
    assert refused.value.code == "pdf_encrypted"


def test_a_jpeg_header_on_png_bytes_is_refused_not_guessed():
    png = _photo("PNG")
    with pytest.raises(lc.Refused) as refused:
        lc.prepare(b"\xff\xd8\xff" + png[3:])
    assert refused.value.status == 422


def test_the_digest_is_of_the_kept_bytes():
    import hashlib

    kept = lc.prepare(_photo(exif=_camera_exif()))
    assert kept.sha256 == hashlib.sha256(kept.content).hexdigest() and kept.ukuran == len(kept.content)
