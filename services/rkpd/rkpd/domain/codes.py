"""Nomenclature and region codes: ordering and the levels of a sub-kegiatan code.

Codes are compared segment by segment, numerically where a segment is digits ("1.03.2" sorts
before "1.03.10"); a segment's text breaks ties ("02" vs "2") and non-digit segments sort after
digit ones, so the order is total and deterministic for any text.

Sub kegiatan `1.03.10.2.01.0028` sits under urusan `1`, bidang `1.03`, program `1.03.10` and
kegiatan `1.03.10.2.01`.
"""
from __future__ import annotations

LEVELS = ("opd", "urusan", "bidang", "program", "kegiatan", "sub_kegiatan")
# number of leading segments of a sub-kegiatan code that make each nomenclature level
_SEGMENTS = {"urusan": 1, "bidang": 2, "program": 3, "kegiatan": 5, "sub_kegiatan": 6}


def _segment_key(segment: str) -> tuple:
    if segment.isascii() and segment.isdigit():
        return (0, int(segment), segment)
    return (1, 0, segment)


def code_key(kode: str | None) -> tuple:
    """Sort key of a dotted code, numeric-aware per segment; None/"" sort first."""
    if not kode:
        return ()
    return tuple(_segment_key(s) for s in str(kode).split("."))


def nomenclature_path(kode: str) -> tuple[str, str, str, str, str]:
    """(urusan, bidang, program, kegiatan, sub_kegiatan) codes of a sub-kegiatan code.

    The code must have 6 non-empty segments (renja has validated it; anything else is a
    programming error of the caller)."""
    if not isinstance(kode, str):
        raise TypeError(f"Kode sub kegiatan harus teks: {kode!r}")
    segments = kode.strip().split(".")
    if len(segments) != 6 or not all(s.strip() for s in segments):
        raise ValueError(f"Kode sub kegiatan {kode!r} tidak sesuai pola N.NN.NN.N.NN.NNNN")
    return tuple(".".join(segments[:_SEGMENTS[level]])  # type: ignore[return-value]
                 for level in LEVELS[1:])


def urusan_of(kode: str) -> str:
    return nomenclature_path(kode)[0]
