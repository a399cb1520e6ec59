"""Bappeda's review (kajian) of a delivered pokir, before any OPD sees it.

A pokir delivered by Setwan (`disampaikan`) is reviewed by Bappeda against four criteria:

* `kewenangan`: the matter is within the region's authority (urusan kabupaten/kota);
* `sesuai_prioritas`: consistent with the year's priorities (RPJMD, rancangan awal RKPD);
* `duplikat_usulan`: the id of a Musrenbang usulan it duplicates, or null — only an usulan the
  service itself flagged as an overlap of this pokir (domain.overlaps) may be named;
* `biaya_wajar`: the cost is reasonable.

The verdict must agree with the criteria: `layak` only when all four pass (within authority,
consistent, no duplicate, reasonable cost); `tidak_layak` only when at least one fails, and then
the catatan (what failed, what the member can do) is required. A `layak` pokir stays
`disampaikan` until Bappeda disposes it to an OPD (dispose is refused before a `layak` review);
`tidak_layak` ends it as `tidak diakomodasi` with the review's catatan as the reason. A `layak`
review may be replaced by a new one until the pokir is disposed (the history keeps both).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable

from .access import Action, Actor
from .errors import FieldError, TransitionRefused, raise_if_any
from .pokir import HistoryEntry, Kajian, Pokir, PokirStatus, Review, ReviewStatus

MAX_CATATAN = 2000
CRITERIA = ("kewenangan", "sesuai_prioritas", "duplikat_usulan", "biaya_wajar")
FLAGS = ("kewenangan", "sesuai_prioritas", "biaya_wajar")


REVIEWABLE = frozenset({PokirStatus.DISAMPAIKAN})


def parse_kajian(raw: object, overlap_ids: Iterable[str]) -> tuple[Kajian | None, list[FieldError]]:
    """The kajian object: the four criteria, each present; `duplikat_usulan` null or one of the
    usulan ids the service found overlapping this pokir."""
    if not isinstance(raw, dict):
        return None, [FieldError("kajian", "Kajian wajib diisi: kewenangan, sesuai_prioritas, duplikat_usulan, "
                                           "biaya_wajar", "required")]
    errors = [FieldError(f"kajian.{k}", f"Kolom kajian {k} tidak dikenal", "unknown_field")
              for k in sorted(set(raw) - set(CRITERIA))]
    for name in FLAGS:
        if not isinstance(raw.get(name), bool):
            errors.append(FieldError(f"kajian.{name}", f"kajian.{name} wajib diisi true atau false", "required"))
    duplicate = raw.get("duplikat_usulan", "absent")
    if duplicate == "absent":
        errors.append(FieldError("kajian.duplikat_usulan", "kajian.duplikat_usulan wajib diisi: id usulan "
                                                           "Musrenbang yang diduplikasi, atau null", "required"))
    elif duplicate is not None:
        known = set(overlap_ids)
        if not isinstance(duplicate, str) or duplicate not in known:
            hint = (f"pilih salah satu: {', '.join(sorted(known))}" if known
                    else "sistem tidak menemukan usulan yang mirip; isi null")
            errors.append(FieldError("kajian.duplikat_usulan", "Usulan bukan usulan Musrenbang yang tumpang tindih "
                                                               f"dengan pokir ini; {hint}", "not_an_overlap"))
    if errors:
        return None, errors
    return Kajian(raw["kewenangan"], raw["sesuai_prioritas"], duplicate, raw["biaya_wajar"]), []


def _catatan(value: object, required: bool) -> tuple[str | None, list[FieldError]]:
    if value is not None and not isinstance(value, str):
        return None, [FieldError("catatan", "Catatan kajian berupa teks", "invalid")]
    text = (value or "").strip()
    if not text:
        return None, ([FieldError("catatan", "Catatan kajian wajib diisi bila pokir tidak layak: sebutkan "
                                             "alasannya", "required")] if required else [])
    if len(text) > MAX_CATATAN:
        return None, [FieldError("catatan", f"Catatan kajian paling banyak {MAX_CATATAN} karakter", "too_long")]
    return text, []


def review_pokir(pokir: Pokir, *, actor: Actor, at: datetime, status: object, kajian: object,
                 catatan: object, overlap_ids: Iterable[str]) -> Pokir:
    """Record Bappeda's review (see the module's rules). Raises Forbidden (not Bappeda, other
    pemda), TransitionRefused (not `disampaikan`) or ValidationError listing every problem."""
    from .lifecycle import _begin  # the shared authorize + aware-time check
    _begin(pokir, actor, Action.REVIEW, at)
    if pokir.status not in REVIEWABLE:
        raise TransitionRefused("Hanya pokir yang sudah disampaikan ke Bappeda dan belum didisposisikan yang dapat "
                                f"dikaji (status sekarang: {pokir.status.label})", code="invalid_status")
    errors: list[FieldError] = []
    try:
        verdict = ReviewStatus(status)
    except ValueError:
        verdict = None
        errors.append(FieldError("status", "Status kajian harus layak atau tidak_layak", "invalid"))
    found_kajian, found = parse_kajian(kajian, overlap_ids)
    errors += found
    text, found = _catatan(catatan, verdict is ReviewStatus.TIDAK_LAYAK)
    errors += found
    if verdict is not None and found_kajian is not None:
        if verdict is ReviewStatus.LAYAK and not found_kajian.passes:
            errors.append(FieldError("status", "Pokir hanya layak bila kewenangan daerah, sesuai prioritas, bukan "
                                               "duplikat usulan, dan biayanya wajar; gagal: "
                                     + ", ".join(found_kajian.failed()), "inconsistent"))
        if verdict is ReviewStatus.TIDAK_LAYAK and found_kajian.passes:
            errors.append(FieldError("status", "Semua kriteria kajian terpenuhi: nyatakan layak, atau tandai "
                                               "kriteria yang tidak terpenuhi", "inconsistent"))
    raise_if_any(errors)
    review = Review(verdict, found_kajian, text, actor.sub, at)
    if verdict is ReviewStatus.LAYAK:
        entry = HistoryEntry("dikaji layak", actor.sub, actor.role.value, at, pokir.status, pokir.status, text)
        return replace(pokir, review=review, history=pokir.history + (entry,))
    reason = f"Tidak layak menurut kajian Bappeda ({', '.join(found_kajian.failed())}): {text}"
    entry = HistoryEntry("dikaji tidak layak", actor.sub, actor.role.value, at, pokir.status,
                         PokirStatus.TIDAK_DIAKOMODASI, text)
    return replace(pokir, review=review, status=PokirStatus.TIDAK_DIAKOMODASI, alasan_tidak_diakomodasi=reason,
                   history=pokir.history + (entry,))


def ready_for_opd(pokir: Pokir) -> bool:
    """A pokir may reach an OPD only after a `layak` review."""
    return pokir.review is not None and pokir.review.status is ReviewStatus.LAYAK
