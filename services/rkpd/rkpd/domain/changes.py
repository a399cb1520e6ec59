"""What changed between two RKPD documents of the same pemda and year.

* rows: leaf lines of the chapter V table (tingkat sub_kegiatan) matched by (opd, kode,
  row_id): `added`, `removed` (the whole lines) and `changed` ({opd, kode, row_id, uraian,
  columns: {column: {before, after}}} over every other column); in table order.
* totals: pagu N and N+1 {before, after, delta} (decimal text, delta = after - before).
* annex: usulan / pokir matched by id: `added` and `removed` (the records) and `changed` when
  the final status changed (usulan: status_musrenbang, keputusan_opd or status_akhir; pokir:
  status), listing every status and reason column that differs.
* chapters: numerals of the chapters whose content differs (narrative edits included).
* unchanged: true when none of the above differs.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from .canonical import sha256_hex
from .codes import code_key
from .money import money_text

ROW_IDENTITY = ("opd", "kode", "row_id")
USULAN_STATUS = ("status_musrenbang", "keputusan_opd", "status_akhir")
USULAN_COLUMNS = ("status_musrenbang", "alasan", "keputusan_opd", "alasan_opd", "status_akhir",
                  "alasan_akhir")
POKIR_STATUS = ("status",)
POKIR_COLUMNS = ("status", "alasan")


def _leaves(document: Mapping) -> dict[tuple, dict]:
    return {tuple(line[k] for k in ROW_IDENTITY): line
            for line in document["tabel_v"]["baris"] if line["tingkat"] == "sub_kegiatan"}


def _row_key(identity: tuple) -> tuple:
    opd, kode, row_id = identity
    return (code_key(opd), opd, code_key(kode), kode, row_id)


def _columns(before: Mapping, after: Mapping, columns) -> dict:
    return {c: {"before": before.get(c), "after": after.get(c)}
            for c in columns if before.get(c) != after.get(c)}


def _rows(old: Mapping, new: Mapping) -> dict:
    before, after = _leaves(old), _leaves(new)
    changed = []
    for identity in sorted(before.keys() & after.keys(), key=_row_key):
        columns = _columns(before[identity], after[identity],
                           [c for c in after[identity] if c not in ROW_IDENTITY])
        if columns:
            changed.append({**dict(zip(ROW_IDENTITY, identity)),
                            "uraian": after[identity]["uraian"], "columns": columns})
    return {
        "added": [after[i] for i in sorted(after.keys() - before.keys(), key=_row_key)],
        "removed": [before[i] for i in sorted(before.keys() - after.keys(), key=_row_key)],
        "changed": changed,
    }


def _total(before: str, after: str) -> dict:
    return {"before": before, "after": after,
            "delta": money_text(Decimal(after) - Decimal(before))}


def _annex(old: list, new: list, label: str, status: tuple, columns: tuple) -> dict:
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    order = {r["id"]: i for i, r in enumerate(new)}
    old_order = {r["id"]: i for i, r in enumerate(old)}
    changed = []
    for item in sorted(before.keys() & after.keys(), key=order.__getitem__):
        if any(before[item].get(c) != after[item].get(c) for c in status):
            changed.append({"id": item, label: after[item].get(label),
                            "columns": _columns(before[item], after[item], columns)})
    return {
        "added": [after[i] for i in sorted(after.keys() - before.keys(), key=order.__getitem__)],
        "removed": [before[i] for i in sorted(before.keys() - after.keys(),
                                              key=old_order.__getitem__)],
        "changed": changed,
    }


def _chapters(old: Mapping, new: Mapping) -> list[str]:
    before = {b["nomor"]: sha256_hex(b) for b in old["bab"]}
    after = {b["nomor"]: sha256_hex(b) for b in new["bab"]}
    numerals = [b["nomor"] for b in new["bab"]] + [n for n in before if n not in after]
    return [n for n in numerals if before.get(n) != after.get(n)]


def diff(previous_doc: Mapping, new_doc: Mapping) -> dict:
    """The changes from `previous_doc` to `new_doc` (see module doc)."""
    for doc in (previous_doc, new_doc):
        if doc.get("schema") not in ("eplanning.rkpd/1", "eplanning.rkpd/2"):
            raise ValueError("Bukan dokumen RKPD eplanning.rkpd/1 atau /2")
    if (previous_doc["pemda"], previous_doc["tahun"]) != (new_doc["pemda"], new_doc["tahun"]):
        raise ValueError("Hanya dokumen RKPD pemda dan tahun yang sama yang dapat dibandingkan")
    rows = _rows(previous_doc, new_doc)
    totals = {
        "pagu_n": _total(previous_doc["tabel_v"]["total_n"], new_doc["tabel_v"]["total_n"]),
        "pagu_n1": _total(previous_doc["tabel_v"]["total_n1"], new_doc["tabel_v"]["total_n1"]),
    }
    annex = {
        "usulan": _annex(previous_doc["lampiran"]["usulan"], new_doc["lampiran"]["usulan"],
                         "tracking_code", USULAN_STATUS, USULAN_COLUMNS),
        "pokir": _annex(previous_doc["lampiran"]["pokir"], new_doc["lampiran"]["pokir"],
                        "anggota", POKIR_STATUS, POKIR_COLUMNS),
    }
    chapters = _chapters(previous_doc, new_doc)
    unchanged = (not any(rows.values()) and not chapters
                 and all(t["before"] == t["after"] for t in totals.values())
                 and not any(v for part in annex.values() for v in part.values()))
    return {
        "from": {"versi": previous_doc["versi"], "nomor_versi": previous_doc["nomor_versi"],
                 "hash": sha256_hex(previous_doc)},
        "to": {"versi": new_doc["versi"], "nomor_versi": new_doc["nomor_versi"],
               "hash": sha256_hex(new_doc)},
        "rows": rows, "totals": totals, "annex": annex, "chapters": chapters,
        "unchanged": unchanged,
    }
