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
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from .canonical import sha256_hex
from .errors import FieldError, TransitionRefused, ValidationError

VERSIONS = ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")
FIRST = VERSIONS[0]
FINAL = VERSIONS[-1]


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
    if versi not in VERSIONS:
        raise ValidationError([FieldError(field, "Versi RKPD harus salah satu dari: "
                                          + ", ".join(VERSIONS), "invalid")])
    return versi  # type: ignore[return-value]


def next_version_name(previous: str | None) -> str:
    """The stage after `previous` (None -> "rancangan awal"); after penetapan: refused."""
    if previous is None:
        return FIRST
    index = VERSIONS.index(_known(previous))
    if previous == FINAL:
        raise TransitionRefused("RKPD versi penetapan adalah versi final; tidak ada versi "
                                "sesudahnya", code="penetapan_final")
    return VERSIONS[index + 1]


def check_history(history: History) -> tuple[RkpdVersion, ...]:
    """The history as a tuple, after checking it is consistent (a corrupted history is a
    programming error): nomor 1..n, stages never go back, only a last penetapan is final."""
    history = tuple(history)
    previous_stage = 0
    for position, version in enumerate(history, start=1):
        if not isinstance(version, RkpdVersion):
            raise TypeError(f"Bukan RkpdVersion: {version!r}")
        if version.nomor != position:
            raise ValueError(f"Riwayat versi RKPD tidak berurutan pada nomor {version.nomor}")
        if version.versi not in VERSIONS:
            raise ValueError(f"Versi RKPD tidak dikenal: {version.versi!r}")
        stage = VERSIONS.index(version.versi)
        if stage < previous_stage:
            raise ValueError("Riwayat versi RKPD mundur tahap")
        previous_stage = stage
        if version.ditetapkan != (version.versi == FINAL) or (
                version.ditetapkan and position != len(history)):
            raise ValueError("Hanya versi penetapan terakhir yang berstatus ditetapkan")
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

