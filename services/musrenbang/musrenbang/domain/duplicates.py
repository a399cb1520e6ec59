"""Likely duplicates, flagged for the forum to decide (never merged automatically).

Two usulan are candidates only if they share the desa and the kamus item code (`kode`, stable
across years). Within such a group the gagasan texts are compared:
  normalize: lower case, accents removed, punctuation -> space, spaces collapsed;
  tokens: words minus a short list of Indonesian stop words;
  similarity: Jaccard index of the token sets (|A & B| / |A | B|), 0 when both are empty;
  flagged when similarity >= SIMILARITY_THRESHOLD (0.5).
Current-cycle usulan are compared with each other and with earlier years' usulan; earlier
years are not compared among themselves. Grouping first keeps the work proportional to the sum
of squared group sizes, not to the square of the pemda's usulan count. Withdrawn usulan are
ignored.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from .usulan import Usulan, UsulanStatus

SIMILARITY_THRESHOLD = 0.5
STOPWORDS = frozenset(
    "dan di ke dari yang untuk pada dengan atau serta oleh dalam ini itu agar bagi".split())
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_WORD.sub(" ", ascii_text).split())


def tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in normalize_text(text).split() if w not in STOPWORDS)


def similarity(a: str, b: str) -> float:
    return _jaccard(tokens(a), tokens(b))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


@dataclass(frozen=True)
class DuplicatePair:
    usulan_id: str
    other_id: str
    other_tahun: int
    score: float
    reason: str


def _reason(score: float, same_year: bool, other_tahun: int) -> str:
    when = "tahun ini" if same_year else f"tahun {other_tahun}"
    decimal_comma = f"{score:.2f}".replace(".", ",")
    return f"Desa dan item kamus sama dengan usulan {when}; kemiripan teks usulan {decimal_comma}"


def find_duplicates(current: Iterable[Usulan], earlier: Iterable[Usulan] = (),
                    threshold: float = SIMILARITY_THRESHOLD) -> list[DuplicatePair]:
    """Pairs (current, other) with score >= threshold, best first, then by ids."""
    groups: dict[tuple[str, str], list[tuple[Usulan, frozenset[str]]]] = defaultdict(list)
    past: dict[tuple[str, str], list[tuple[Usulan, frozenset[str]]]] = defaultdict(list)
    for usulan in current:
        if usulan.status is not UsulanStatus.WITHDRAWN:
            groups[(usulan.desa, usulan.kamus_item.kode)].append((usulan, tokens(usulan.gagasan)))
    for usulan in earlier:
        if usulan.status is not UsulanStatus.WITHDRAWN:
            past[(usulan.desa, usulan.kamus_item.kode)].append((usulan, tokens(usulan.gagasan)))

    pairs: list[DuplicatePair] = []
    for key, members in groups.items():
        members.sort(key=lambda m: m[0].id)
        for i, (a, ta) in enumerate(members):
            for b, tb in members[i + 1:]:
                score = _jaccard(ta, tb)
                if score >= threshold and a.id != b.id:
                    pairs.append(DuplicatePair(a.id, b.id, b.tahun, round(score, 3),
                                               _reason(score, True, b.tahun)))
            for b, tb in past.get(key, ()):
                score = _jaccard(ta, tb)
                if score >= threshold and a.id != b.id:
                    pairs.append(DuplicatePair(a.id, b.id, b.tahun, round(score, 3),
                                               _reason(score, False, b.tahun)))
    pairs.sort(key=lambda p: (-p.score, p.usulan_id, p.other_id))
    return pairs
