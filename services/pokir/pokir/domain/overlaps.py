"""Pokir that overlap a Musrenbang usulan, flagged for Bappeda (never merged automatically).

A pokir and an usulan overlap when they share the desa AND the kamus item code (`kode`,
stable across years) AND their texts are similar:
  normalize: lower case, accents removed, punctuation -> space, spaces collapsed;
  tokens: words minus a short list of Indonesian stop words;
  similarity: Jaccard index of the token sets (|A & B| / |A | B|), 0 when both are empty;
  the pokir's score is the better of its `judul` and its `usulan` text against the usulan
  text; flagged when score >= OVERLAP_THRESHOLD (0.5, as Musrenbang's duplicate check).
Withdrawn usulan (status "withdrawn"/"ditarik") and withdrawn pokir are ignored. Pairs are
only formed inside a (desa, kamus_kode) group, so the work is the sum of group products,
not |pokir| x |usulan|.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from .pokir import Pokir, PokirStatus

OVERLAP_THRESHOLD = 0.5
WITHDRAWN_USULAN_STATUSES = frozenset({"withdrawn", "ditarik"})
STOPWORDS = frozenset(
    "dan di ke dari yang untuk pada dengan atau serta oleh dalam ini itu agar bagi".split())
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_WORD.sub(" ", ascii_text).split())


def tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in normalize_text(text).split() if w not in STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similarity(a: str, b: str) -> float:
    return jaccard(tokens(a), tokens(b))


@dataclass(frozen=True)
class UsulanRef:
    """What the pokir service knows of a Musrenbang usulan (from its events)."""

    usulan_id: str
    tracking_code: str
    desa: str
    kamus_kode: str
    text: str
    status: str


@dataclass(frozen=True)
class OverlapPair:
    pokir_id: str
    usulan_id: str
    tracking_code: str
    score: float
    reason: str


def _reason(ref: UsulanRef, score: float) -> str:
    decimal_comma = f"{score:.2f}".replace(".", ",")
    return (f"Desa dan item kamus sama dengan usulan Musrenbang {ref.tracking_code}; "
            f"kemiripan teks {decimal_comma}")


def find_overlaps(pokirs: Iterable[Pokir], usulan_refs: Iterable[UsulanRef],
                  threshold: float = OVERLAP_THRESHOLD) -> list[OverlapPair]:
    """Pairs (pokir, usulan) with score >= threshold, best first, then by ids."""
    groups: dict[tuple[str, str], list[tuple[UsulanRef, frozenset[str]]]] = defaultdict(list)
    for ref in usulan_refs:
        if (ref.status or "").strip().lower() not in WITHDRAWN_USULAN_STATUSES:
            groups[(ref.desa, ref.kamus_kode)].append((ref, tokens(ref.text)))
    pairs: list[OverlapPair] = []
    for pokir in pokirs:
        if pokir.status is PokirStatus.DITARIK:
            continue
        candidates = groups.get((pokir.desa, pokir.kamus_item.kode))
        if not candidates:
            continue
        texts = (tokens(pokir.judul), tokens(pokir.usulan))
        for ref, ref_tokens in candidates:
            score = max(jaccard(t, ref_tokens) for t in texts)
            if score >= threshold:
                pairs.append(OverlapPair(pokir.id, ref.usulan_id, ref.tracking_code,
                                         round(score, 3), _reason(ref, score)))
    pairs.sort(key=lambda p: (-p.score, p.pokir_id, p.usulan_id))
    return pairs
