"""Versions of the RKPD document.

Stages, in order: rancangan awal -> rancangan -> rancangan akhir -> penetapan. Every assembly
appends an `RkpdVersion(nomor, versi, hash, ...)` to the history (nomor 1, 2, 3, ... across
stages; it is the document's `nomor_versi`).

* The first assembly is "rancangan awal".
* `plan_assembly(history)`: a reassembly keeps the current stage name and takes the next
  nomor (after an upstream change marked the current version stale, or after Bappeda edited the
  narrative).
* `promote(history, to)`: Bappeda moves to the next stage, exactly one step forward; the
  promoted document is a new assembly (next nomor, the new stage name).
* `record_assembly(history, document)`: appends the built document's version after checking
  that its versi / nomor_versi are what the history allows now (a concurrent assembly that got
  there first makes this a `konflik_versi` refusal: optimistic concurrency).
* `mark_stale(history, alasan)`: an upstream stage changed after the current version was
  built; idempotent (an already stale version keeps its first reason).
* "penetapan" is final: once recorded, the version is `ditetapkan` and every later assembly,
  promotion or stale mark is refused (`penetapan_final`). A change after that is a Perubahan
  RKPD, a new cycle.

Years played in the order of Permendagri 86/2017 (`tata_urutan` "permendagri_86_2017") have
their versions at the calendar's points instead (see "The calendar's versions" below):
rancangan awal (Bappeda publishes) -> rancangan (the last Forum PD closed) -> rancangan akhir
(Musrenbang RKPD closed) -> penetapan (Bappeda records the Perkada) -> perubahan (Bappeda opens
a revision for named OPDs and asks for its assembly; any number of them, each fixed).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from .canonical import sha256_hex
from .errors import FieldError, TransitionRefused, ValidationError

VERSIONS = ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")  # the legacy stages
PERUBAHAN = "perubahan"
ALL_VERSIONS = VERSIONS + (PERUBAHAN,)
FIRST = VERSIONS[0]
FINAL = VERSIONS[-1]
FIXED = (FINAL, PERUBAHAN)  # versions fixed by a Perkada: ditetapkan
LAMA = "lama"
PERMENDAGRI = "permendagri_86_2017"
ORDERS = (LAMA, PERMENDAGRI)


@dataclass(frozen=True)
class RkpdVersion:
    nomor: int
    versi: str
    hash: str
    stale: bool = False
    ditetapkan: bool = False
    alasan_stale: str | None = None


@dataclass(frozen=True)
class AssemblyPlan:
    """What the next document must carry: its nomor_versi and versi."""

    nomor: int
    versi: str


History = Sequence[RkpdVersion]


def _final_refusal(version: RkpdVersion) -> TransitionRefused:
    return TransitionRefused(
        f"RKPD sudah ditetapkan (versi penetapan nomor {version.nomor}); dokumen final dan "
        "tidak dapat diubah atau disusun ulang. Perubahan hanya melalui Perubahan RKPD.",
        code="penetapan_final")


def _known(versi: object, field: str = "versi") -> str:
    if versi not in ALL_VERSIONS:
        raise ValidationError([FieldError(field, "Versi RKPD harus salah satu dari: "
                                          + ", ".join(VERSIONS), "invalid")])
    return versi  # type: ignore[return-value]


def next_version_name(previous: str | None) -> str:
    """The stage after `previous` (None -> "rancangan awal"); after penetapan: refused."""
    if previous is None:
        return FIRST
    _known(previous)
    if previous in FIXED:
        raise TransitionRefused("RKPD versi penetapan adalah versi final; tidak ada versi "
                                "sesudahnya", code="penetapan_final")
    return VERSIONS[VERSIONS.index(previous) + 1]


def check_history(history: History) -> tuple[RkpdVersion, ...]:
    """The history as a tuple, after checking it is consistent (a corrupted history is a
    programming error): nomor 1..n, stages never go back, exactly the penetapan and perubahan
    versions are ditetapkan, and only perubahan versions follow a ditetapkan one."""
    history = tuple(history)
    previous_stage = 0
    fixed_seen = False
    for position, version in enumerate(history, start=1):
        if not isinstance(version, RkpdVersion):
            raise TypeError(f"Bukan RkpdVersion: {version!r}")
        if version.nomor != position:
            raise ValueError(f"Riwayat versi RKPD tidak berurutan pada nomor {version.nomor}")
        if version.versi not in ALL_VERSIONS:
            raise ValueError(f"Versi RKPD tidak dikenal: {version.versi!r}")
        stage = ALL_VERSIONS.index(version.versi)
        if stage < previous_stage:
            raise ValueError("Riwayat versi RKPD mundur tahap")
        previous_stage = stage
        if version.ditetapkan != (version.versi in FIXED):
            raise ValueError("Hanya versi penetapan dan perubahan yang berstatus ditetapkan")
        if fixed_seen and version.versi != PERUBAHAN:
            raise ValueError("Sesudah penetapan hanya ada versi perubahan")
        fixed_seen = fixed_seen or version.ditetapkan
    return history


def current_version(history: History) -> RkpdVersion | None:
    history = check_history(history)
    return history[-1] if history else None


def is_final(history: History) -> bool:
    current = current_version(history)
    return current is not None and current.ditetapkan


def can_assemble(history: History) -> bool:
    """False once the RKPD is ditetapkan (penetapan is immutable)."""
    return not is_final(history)


def ensure_can_assemble(history: History) -> None:
    current = current_version(history)
    if current is not None and current.ditetapkan:
        raise _final_refusal(current)


def plan_assembly(history: History) -> AssemblyPlan:
    """A (re)assembly at the current stage: the first is "rancangan awal" nomor 1; later ones
    keep the current stage name with the next nomor. Refused after penetapan."""
    ensure_can_assemble(history)
    current = current_version(history)
    if current is None:
        return AssemblyPlan(1, FIRST)
    return AssemblyPlan(current.nomor + 1, current.versi)


def promote(history: History, to: str) -> AssemblyPlan:
    """Bappeda moves the RKPD one stage forward: the plan of the promoted document.

    Refused: an unknown stage (ValidationError), after penetapan (`penetapan_final`), with no
    document yet (`belum_disusun`), a stage that is not the next one (`urutan_versi`)."""
    _known(to)
    ensure_can_assemble(history)
    current = current_version(history)
    if current is None:
        raise TransitionRefused(f"RKPD belum pernah disusun; susun {FIRST} terlebih dahulu",
                                code="belum_disusun")
    expected = next_version_name(current.versi)
    if to != expected:
        raise TransitionRefused(
            f"Versi RKPD hanya dapat naik dari {current.versi} ke {expected}, bukan ke {to}",
            code="urutan_versi")
    return AssemblyPlan(current.nomor + 1, to)


def record_assembly(history: History, document: Mapping) -> tuple[RkpdVersion, ...]:
    """The history with the assembled `document` appended (its hash, not stale; ditetapkan when
    it is the penetapan). Its versi / nomor_versi must be the next reassembly or promotion."""
    history = check_history(history)
    ensure_can_assemble(history)
    versi, nomor = document.get("versi"), document.get("nomor_versi")
    if versi not in VERSIONS:
        _known(versi)
    current = history[-1] if history else None
    allowed = {plan_assembly(history).versi}
    if current is not None and current.versi != FINAL:
        allowed.add(next_version_name(current.versi))
    expected_nomor = (current.nomor if current else 0) + 1
    if nomor != expected_nomor or versi not in allowed:
        raise TransitionRefused(
            f"Dokumen {versi} nomor {nomor} tidak sesuai riwayat: yang diharapkan nomor "
            f"{expected_nomor} dengan versi {' atau '.join(sorted(allowed))}. Susun ulang.",
            code="konflik_versi")
    version = RkpdVersion(nomor, versi, sha256_hex(document), ditetapkan=versi == FINAL)
    return history + (version,)


def mark_stale(history: History, alasan: str) -> tuple[RkpdVersion, ...]:
    """The current version marked stale with a reason (an upstream stage changed after it was
    built). No version yet: nothing to mark. Already stale: unchanged (idempotent).
    After penetapan: refused."""
    history = check_history(history)
    if not isinstance(alasan, str) or not alasan.strip():
        raise ValidationError([FieldError("alasan", "Alasan wajib diisi", "required")])
    if not history:
        return history
    current = history[-1]
    if current.ditetapkan:
        raise _final_refusal(current)
    if current.stale:
        return history
    return history[:-1] + (replace(current, stale=True, alasan_stale=alasan.strip()),)



# -- The calendar's versions (tata_urutan "permendagri_86_2017") -----------------------------------
# Each function answers the plan of the version due at one calendar point, or refuses with a
# stable code. The service calls them under the year's lock and records the version with the
# planned nomor in the same transaction (the primary key (pemda, tahun, nomor) makes a concurrent
# second writer fail: optimistic concurrency, as for the legacy order).

PREVIOUS = {"rancangan": FIRST, "rancangan akhir": "rancangan"}


def check_order(tata_urutan: object) -> str:
    if tata_urutan not in ORDERS:
        raise ValueError(f"tata_urutan tidak dikenal: {tata_urutan!r}")
    return tata_urutan  # type: ignore[return-value]


def ensure_new_order(tata_urutan: str | None) -> None:
    """Acts of the calendar are refused on a year played under the old order (it stays readable)."""
    if tata_urutan == LAMA:
        raise TransitionRefused(
            "Tahun ini dijalankan dengan tata urutan lama; tahapan RKPD menurut Permendagri 86/2017 "
            "tidak berlaku. Gunakan susun ulang dan promosi versi seperti sebelumnya.", code="tata_urutan_lama")


def plan_rancangan_awal(history: History) -> AssemblyPlan:
    """Bappeda publishes the rancangan awal: the first version, or again (next nomor) while the
    RKPD is still at that stage (priorities or ceilings changed); refused once the rancangan
    exists."""
    current = current_version(history)
    if current is None:
        return AssemblyPlan(1, FIRST)
    if current.versi == FIRST:
        return AssemblyPlan(current.nomor + 1, FIRST)
    raise TransitionRefused(
        f"Rancangan awal RKPD tidak dapat diterbitkan lagi: RKPD sudah pada tahap {current.versi} "
        f"(versi {current.nomor}).", code="urutan_versi")


def plan_system_assembly(history: History, versi: str) -> AssemblyPlan | None:
    """The rancangan (after the last Forum PD) or the rancangan akhir (after Musrenbang RKPD):
    the plan, or None when that version exists and is fresh (a repeated trigger changes nothing).
    A stale one is reassembled at the same stage. Refused (`urutan_versi`) when the version it
    follows does not exist yet or the RKPD is already past it."""
    if versi not in PREVIOUS:
        raise ValueError(f"Versi {versi!r} tidak disusun oleh sistem pada titik kalender")
    previous = PREVIOUS[versi]
    current = current_version(history)
    if current is None or ALL_VERSIONS.index(current.versi) < ALL_VERSIONS.index(previous):
        raise TransitionRefused(
            f"RKPD {versi} belum dapat disusun: versi {previous} belum ada.", code="urutan_versi")
    if current.versi == previous:
        return AssemblyPlan(current.nomor + 1, versi)
    if current.versi == versi:
        return AssemblyPlan(current.nomor + 1, versi) if current.stale else None
    raise TransitionRefused(
        f"RKPD sudah pada tahap {current.versi}; versi {versi} tidak disusun lagi.", code="urutan_versi")


def plan_penetapan(history: History) -> AssemblyPlan:
    """Bappeda records the Perkada on the current, fresh rancangan akhir."""
    current = current_version(history)
    if current is not None and current.ditetapkan:
        raise _final_refusal(current)
    if current is None or current.versi != "rancangan akhir":
        raise TransitionRefused(
            "Penetapan hanya atas rancangan akhir RKPD (sesudah Musrenbang RKPD ditutup); "
            + ("RKPD belum disusun." if current is None else f"versi terkini masih {current.versi}."),
            code="belum_rancangan_akhir")
    if current.stale:
        raise TransitionRefused(
            f"Rancangan akhir versi {current.nomor} sudah usang ({current.alasan_stale}); tunggu "
            "rancangan akhir yang disusun ulang.", code="rancangan_akhir_usang")
    return AssemblyPlan(current.nomor + 1, FINAL)


def plan_perubahan_open(history: History, open_perubahan: bool) -> RkpdVersion:
    """Bappeda opens a Perubahan RKPD: on a fixed version, one at a time. Returns the version it
    changes (its nomor is the perubahan's `nomor_versi_dasar`)."""
    current = current_version(history)
    if current is None or not current.ditetapkan:
        raise TransitionRefused("Perubahan RKPD hanya atas RKPD yang sudah ditetapkan dengan Perkada.",
                                code="belum_ditetapkan")
    if open_perubahan:
        raise TransitionRefused("Masih ada Perubahan RKPD yang terbuka; susun versinya terlebih dahulu.",
                                code="perubahan_terbuka")
    return current


def plan_perubahan(history: History, open_base: int | None) -> AssemblyPlan:
    """The perubahan version of the open revision (based on version `open_base`)."""
    current = current_version(history)
    if open_base is None or current is None:
        raise TransitionRefused("Tidak ada Perubahan RKPD yang terbuka; buka dengan alasan dan OPD-nya "
                                "terlebih dahulu.", code="perubahan_belum_dibuka")
    if current.nomor != open_base:
        raise TransitionRefused(
            f"Perubahan dibuka atas versi {open_base}, tetapi versi terkini {current.nomor}; buka ulang.",
            code="konflik_versi")
    return AssemblyPlan(current.nomor + 1, PERUBAHAN)


def system_assembled(versi: str) -> bool:
    """True for the versions the system assembles by itself at a calendar point (announced with
    rkpd.assembled.v1); the others are Bappeda's publications (rkpd.published.v1)."""
    return versi in PREVIOUS
