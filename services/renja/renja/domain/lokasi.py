"""Where a renja row works: the whole kabupaten/kota, a set of kecamatan, or a set of desa.

A row's location is `(cakupan, kode)`:
* `kabupaten`: the whole pemda (support programmes, e.g. "penyusunan dokumen perencanaan");
  `kode` is `(pemda,)`;
* `kecamatan`: kecamatan codes (`12.21.01`) of the pemda;
* `desa`: desa/kelurahan codes (`12.21.01.2001`) of the pemda.

Client input is either the object `{"cakupan": ..., "kode": [...]}` or, as before, a list of codes
of one kind (the cakupan follows from them; a list mixing kecamatan and desa is refused: say which
one the row covers). Every code is checked against the region data (`in_pemda`).

`covers(cakupan, kode, desa)`: the location includes the desa (the desa itself, its kecamatan, or
the whole pemda); `grown(...)`: the location after an accommodated item's desa is added to it
(its kecamatan for a kecamatan row; unchanged for the whole pemda).
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from .errors import FieldError

KABUPATEN, KECAMATAN, DESA = "kabupaten", "kecamatan", "desa"
CAKUPAN = (KABUPATEN, KECAMATAN, DESA)
KECAMATAN_PATTERN = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")
DESA_PATTERN = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$")
MAX_LOKASI = 500
_LIST_SEPARATORS = re.compile(r"[;,\s]+")
_LABEL = {KECAMATAN: "kecamatan (12.21.01)", DESA: "desa/kelurahan (12.21.01.2001)"}


def kecamatan_of(desa: str) -> str:
    return desa.rsplit(".", 1)[0]


def inferred_cakupan(kode: Sequence[str]) -> str:
    """The cakupan of a stored code list (rows stored before cakupan existed): desa when every
    code is a desa, kecamatan when none is, else kecamatan (a mixed list reads as its kecamatan)."""
    if kode and all(DESA_PATTERN.match(k) for k in kode):
        return DESA
    if len(kode) == 1 and "." in kode[0] and kode[0].count(".") == 1:
        return KABUPATEN
    return KECAMATAN


def covers(cakupan: str, kode: Sequence[str], desa: str) -> bool:
    """Whether the location (cakupan, kode) includes `desa`."""
    cakupan = cakupan or inferred_cakupan(kode)
    if cakupan == KABUPATEN:
        return any(desa.startswith(k + ".") for k in kode)
    return desa in kode or kecamatan_of(desa) in kode


def grown(cakupan: str, kode: Sequence[str], desa: str) -> tuple[str, ...]:
    """The codes after the location is extended to include `desa`."""
    cakupan = cakupan or inferred_cakupan(kode)
    if covers(cakupan, kode, desa):
        return tuple(kode)
    added = kecamatan_of(desa) if cakupan == KECAMATAN else desa
    return tuple(kode) + (added,)


def _codes(raw: object) -> list[str] | None:
    if isinstance(raw, str):
        return list(dict.fromkeys(c for c in _LIST_SEPARATORS.split(raw) if c))
    if isinstance(raw, (list, tuple)) and all(isinstance(v, str) for v in raw):
        return list(dict.fromkeys(v.strip() for v in raw if v.strip()))
    return None


def lokasi_field(raw: object, *, pemda: str, in_pemda: Callable[[str], bool], field: str = "lokasi"
                 ) -> tuple[tuple[str, tuple[str, ...]] | None, list[FieldError]]:
    """(cakupan, codes) from client input, or None with every problem (field `lokasi`,
    `lokasi.cakupan`, `lokasi.kode`)."""
    if raw is None or raw == () or raw == [] or raw == "":
        return None, [FieldError(field, "Lokasi wajib diisi: seluruh kabupaten/kota, daftar kecamatan atau "
                                        "daftar desa", "required")]
    if isinstance(raw, dict):
        unknown = sorted(str(k) for k in raw if k not in ("cakupan", "kode"))
        if unknown:
            return None, [FieldError(f"{field}.{k}", f"Kolom {k!r} tidak dikenal", "unknown_field")
                          for k in unknown]
        cakupan = raw.get("cakupan")
        if cakupan not in CAKUPAN:
            return None, [FieldError(f"{field}.cakupan", "Cakupan lokasi harus kabupaten, kecamatan atau desa",
                                     "invalid")]
        codes = _codes(raw.get("kode", []) if raw.get("kode") is not None else [])
        if codes is None:
            return None, [FieldError(f"{field}.kode", "Kode lokasi harus berupa daftar teks", "invalid")]
        code_field = f"{field}.kode"
    else:
        codes = _codes(raw)
        if codes is None:
            return None, [FieldError(field, "Lokasi harus berupa daftar teks atau {cakupan, kode}", "invalid")]
        kinds = {DESA if DESA_PATTERN.match(c) else KECAMATAN if KECAMATAN_PATTERN.match(c) else None
                 for c in codes}
        if not codes:
            return None, [FieldError(field, "Lokasi wajib diisi (paling sedikit satu kecamatan atau desa)",
                                     "required")]
        if kinds == {DESA, KECAMATAN}:
            return None, [FieldError(field, "Lokasi mencampur kecamatan dan desa; pilih satu cakupan "
                                            "({cakupan: kecamatan|desa, kode: [...]})", "mixed_cakupan")]
        cakupan = DESA if kinds == {DESA} else KECAMATAN
        code_field = field
    if cakupan == KABUPATEN:
        if codes and codes != [pemda]:
            return None, [FieldError(code_field, f"Lokasi seluruh kabupaten/kota: kode harus kosong atau "
                                                 f"[{pemda}]", "invalid")]
        return (KABUPATEN, (pemda,)), []
    if not codes:
        return None, [FieldError(code_field, f"Isi paling sedikit satu kode {cakupan}", "required")]
    if len(codes) > MAX_LOKASI:
        return None, [FieldError(code_field, f"Lokasi paling banyak {MAX_LOKASI} kode", "too_many")]
    pattern = DESA_PATTERN if cakupan == DESA else KECAMATAN_PATTERN
    errors = []
    for code in codes:
        if not pattern.match(code):
            errors.append(FieldError(code_field, f"Lokasi {code!r} bukan kode {_LABEL[cakupan]}", "invalid"))
        elif not code.startswith(pemda + ".") or not in_pemda(code):
            errors.append(FieldError(code_field, f"Lokasi {code} bukan wilayah di dalam pemda {pemda}",
                                     "outside_pemda"))
    return (None if errors else (cakupan, tuple(codes))), errors
