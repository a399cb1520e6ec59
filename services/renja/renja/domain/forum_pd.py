"""Forum Perangkat Daerah: each OPD (or one joint forum across OPDs, as the pemda sets) takes in
the kecamatan results in its inbox, verifies each item (accommodate, reject with a reason, pass to
another OPD), records the forum (place, date, participants, agreements) and closes it with a
berita acara.

* `BENTUK`: `per_opd` (default: each OPD closes its own forum) or `gabungan` (Bappeda chairs one
  forum for every OPD); a pemda setting per plan year.
* A forum is keyed by the OPD code, or `GABUNGAN` for the joint forum.
* Recording (`record_forum`): tempat, tanggal (YYYY-MM-DD), peserta (at least one
  {nama, unsur, instansi}), kesepakatan (agreements, texts); may be corrected until closed.
* Closing (`close_blockers`): refused while the forum is not recorded, is already closed, an inbox
  item of its OPD(s) is undecided, or the calendar's `kecamatan` step (and `renja_draft`, when
  scheduled) is not closed (kalender.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Mapping

from .errors import FieldError, TransitionRefused, raise_if_any
from .texts import MULTILINE, require_aware, text_field

PER_OPD, GABUNGAN = "per_opd", "gabungan"
BENTUK = (PER_OPD, GABUNGAN)
UNSUR = ("opd", "bappeda", "kecamatan", "dprd", "masyarakat")
MAX_PESERTA = 500
MAX_KESEPAKATAN = 200


@dataclass(frozen=True)
class Peserta:
    nama: str
    unsur: str
    instansi: str


@dataclass(frozen=True)
class ForumPd:
    pemda: str
    tahun: int
    kunci: str  # the OPD code, or GABUNGAN
    opds: tuple[str, ...]
    tempat: str
    tanggal: str  # YYYY-MM-DD
    peserta: tuple[Peserta, ...]
    kesepakatan: tuple[str, ...]
    recorded_by: str
    recorded_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    berita_acara_sha256: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def _peserta(raw: object) -> tuple[tuple[Peserta, ...] | None, list[FieldError]]:
    if not isinstance(raw, (list, tuple)) or not raw:
        return None, [FieldError("peserta", "Isi paling sedikit satu peserta forum {nama, unsur, instansi}",
                                 "required")]
    if len(raw) > MAX_PESERTA:
        return None, [FieldError("peserta", f"Peserta paling banyak {MAX_PESERTA}", "too_many")]
    people, errors = [], []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            errors.append(FieldError(f"peserta[{i}]", "Peserta harus {nama, unsur, instansi}", "invalid"))
            continue
        unknown = sorted(str(k) for k in entry if k not in ("nama", "unsur", "instansi"))
        errors += [FieldError(f"peserta[{i}].{k}", f"Kolom {k!r} tidak dikenal", "unknown_field") for k in unknown]
        nama, found = text_field(entry.get("nama"), f"peserta[{i}].nama", "Nama peserta", max_len=200)
        errors += found
        instansi, found = text_field(entry.get("instansi"), f"peserta[{i}].instansi", "Instansi peserta",
                                     max_len=300)
        errors += found
        if entry.get("unsur") not in UNSUR:
            errors.append(FieldError(f"peserta[{i}].unsur", f"Unsur peserta harus salah satu dari: {', '.join(UNSUR)}",
                                     "invalid"))
        if not errors:
            people.append(Peserta(nama, entry["unsur"], instansi))
    return (None if errors else tuple(people)), errors


def _kesepakatan(raw: object) -> tuple[tuple[str, ...] | None, list[FieldError]]:
    if raw is None:
        return (), []
    if not isinstance(raw, (list, tuple)):
        return None, [FieldError("kesepakatan", "Kesepakatan harus berupa daftar teks", "invalid")]
    if len(raw) > MAX_KESEPAKATAN:
        return None, [FieldError("kesepakatan", f"Kesepakatan paling banyak {MAX_KESEPAKATAN} butir", "too_many")]
    texts, errors = [], []
    for i, entry in enumerate(raw):
        text, found = text_field(entry, f"kesepakatan[{i}]", "Kesepakatan", kind=MULTILINE)
        errors += found
        if text is not None:
            texts.append(text)
    return (None if errors else tuple(texts)), errors


def record_forum(existing: ForumPd | None, *, by: str, pemda: str, tahun: int, kunci: str, opds: Iterable[str],
                 data: Mapping[str, object], at: datetime) -> ForumPd:
    """The forum's record from `data` (tempat, tanggal, peserta, kesepakatan), replacing an
    earlier record of the same forum; refused once the forum is closed."""
    require_aware(at, "at")
    if existing is not None and existing.closed:
        raise TransitionRefused("Forum Perangkat Daerah ini sudah ditutup; catatannya tidak dapat diubah",
                                code="forum_closed")
    if not isinstance(data, Mapping):
        raise_if_any([FieldError("body", "Isi catatan forum harus objek", "invalid")])
    unknown = sorted(str(k) for k in data if k not in ("tempat", "tanggal", "peserta", "kesepakatan"))
    errors = [FieldError(k, f"Kolom {k!r} tidak dikenal", "unknown_field") for k in unknown]
    tempat, found = text_field(data.get("tempat"), "tempat", "Tempat forum", max_len=300)
    errors += found
    tanggal = data.get("tanggal")
    try:
        tanggal = date.fromisoformat(tanggal).isoformat() if isinstance(tanggal, str) else None
    except ValueError:
        tanggal = None
    if tanggal is None:
        errors.append(FieldError("tanggal", "Tanggal forum harus berformat YYYY-MM-DD", "invalid"))
    peserta, found = _peserta(data.get("peserta"))
    errors += found
    kesepakatan, found = _kesepakatan(data.get("kesepakatan"))
    errors += found
    raise_if_any(errors)
    return ForumPd(pemda, tahun, kunci, tuple(sorted(set(opds))), tempat, tanggal, peserta, kesepakatan, by, at)


def close_blockers(forum: ForumPd | None, *, pending: Iterable, calendar: Iterable[Mapping[str, str]]
                   ) -> list[dict[str, object]]:
    """Every reason the forum cannot close now (empty: it can). `pending`: the undecided inbox
    items of the forum's OPD(s); `calendar`: kalender.forum_pd_calendar_blockers."""
    found: list[dict[str, object]] = []
    if forum is None:
        found.append({"kind": "forum_belum_dicatat", "detail": "Catat dulu tempat, tanggal, peserta dan kesepakatan "
                                                               "forum"})
    waiting = sorted(pending, key=lambda i: (i.opd, i.id))
    if waiting:
        found.append({"kind": "inbox_pending", "detail": f"{len(waiting)} usulan/pokir di kotak masuk belum "
                                                         "diputuskan; putuskan setiap butir (akomodasi, tolak, "
                                                         "alihkan) sebelum forum ditutup",
                      "ids": [i.id for i in waiting]})
    found += [dict(c) for c in calendar]
    return found


def closed_forum(forum: ForumPd, *, by: str, at: datetime, sha256: str) -> ForumPd:
    require_aware(at, "at")
    if forum.closed:
        raise TransitionRefused("Forum Perangkat Daerah ini sudah ditutup", code="forum_closed")
    return replace(forum, closed_by=by, closed_at=at, berita_acara_sha256=sha256)
