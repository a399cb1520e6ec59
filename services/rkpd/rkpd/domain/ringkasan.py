"""Summaries printed in chapters IV and VI.

* per_kecamatan (Musrenbang results, from the usulan): jumlah = every usulan of the kecamatan;
  diterima = final Musrenbang status "diterima" or "diterima dengan perubahan"; ditolak =
  "ditolak"; lainnya = the rest (digabung, ditarik, tidak diteruskan, ...); nilai_diterima =
  sum of cost_akhir of the accepted ones. nama = the kecamatan name the usulan carry (the
  smallest non-blank one if they disagree; the code if none). Sorted by kecamatan code.
* per_opd: every OPD of the register, of a renja row or of an usulan/pokir routed to it;
  baris = its sub-kegiatan lines, pagu N / N+1 = their sums, usulan_diakomodasi = its usulan
  whose final status is "diakomodasi", pokir_diakomodasi = its pokir with status
  "diakomodasi". nama = register name, else the code. Sorted by OPD code.
* per_urusan: per urusan of the renja rows' sub-kegiatan; baris and pagu sums; nama from the
  nomenclature lookup, else the code. Sorted by urusan code.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Mapping

from .codes import code_key, urusan_of
from .inputs import NameLookup, PokirIn, RenjaRowIn, UsulanIn, resolve_name
from .lampiran import ACCEPTED, ACCOMMODATED, final_status
from .money import money_text, total


def _by_code(keys) -> list[str]:
    return sorted(keys, key=lambda k: (code_key(k), k))


def per_kecamatan(usulan: list[UsulanIn]) -> list[dict]:
    groups: dict[str, list[UsulanIn]] = defaultdict(list)
    for item in usulan:
        groups[item.kecamatan].append(item)
    result = []
    for kecamatan in _by_code(groups):
        items = groups[kecamatan]
        accepted = [u for u in items if u.status_musrenbang in ACCEPTED]
        rejected = [u for u in items if u.status_musrenbang == "ditolak"]
        names = sorted({u.kecamatan_nama for u in items if u.kecamatan_nama})
        result.append({
            "kecamatan": kecamatan, "nama": names[0] if names else kecamatan,
            "jumlah": len(items), "diterima": len(accepted), "ditolak": len(rejected),
            "lainnya": len(items) - len(accepted) - len(rejected),
            "nilai_diterima": money_text(total(u.cost_akhir for u in accepted)),
        })
    return result


def per_opd(rows: list[RenjaRowIn], register: Mapping[str, str], usulan: list[UsulanIn],
            pokir: list[PokirIn]) -> list[dict]:
    rows_by_opd: dict[str, list[RenjaRowIn]] = defaultdict(list)
    for row in rows:
        rows_by_opd[row.opd].append(row)
    usulan_ok: dict[str, int] = defaultdict(int)
    for item in usulan:
        if item.opd and final_status(item)[0] == ACCOMMODATED:
            usulan_ok[item.opd] += 1
    pokir_ok: dict[str, int] = defaultdict(int)
    for item in pokir:
        if item.opd and item.status == ACCOMMODATED:
            pokir_ok[item.opd] += 1
    codes = (set(register) | set(rows_by_opd) | {u.opd for u in usulan if u.opd}
             | {p.opd for p in pokir if p.opd})
    result = []
    for kode in _by_code(codes):
        own = rows_by_opd.get(kode, [])
        result.append({
            "opd": kode, "nama": register.get(kode) or kode, "baris": len(own),
            "pagu_n": money_text(total(r.pagu_n for r in own)),
            "pagu_n1": money_text(total(r.pagu_n1 for r in own)),
            "usulan_diakomodasi": usulan_ok.get(kode, 0),
            "pokir_diakomodasi": pokir_ok.get(kode, 0),
        })
    return result


def per_urusan(rows: list[RenjaRowIn], names: NameLookup | None) -> list[dict]:
    groups: dict[str, list[RenjaRowIn]] = defaultdict(list)
    for row in rows:
        groups[urusan_of(row.sub_kegiatan)].append(row)
    return [{
        "urusan": kode, "nama": resolve_name(names, kode), "baris": len(groups[kode]),
        "pagu_n": money_text(total(r.pagu_n for r in groups[kode])),
        "pagu_n1": money_text(total(r.pagu_n1 for r in groups[kode])),
    } for kode in _by_code(groups)]


def build_ringkasan(rows: list[RenjaRowIn], register: Mapping[str, str],
                    usulan: list[UsulanIn], pokir: list[PokirIn],
                    names: NameLookup | None) -> dict:
    return {"per_kecamatan": per_kecamatan(usulan),
            "per_opd": per_opd(rows, register, usulan, pokir),
            "per_urusan": per_urusan(rows, names)}

