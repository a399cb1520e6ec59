"""Open data (public, no login): every usulan of a closed Musrenbang with its final decision.

Published = the Musrenbang stage of the pemda and year is closed (Bappeda's `close_stage`: the
kabupaten decisions are final and the close manifest is out). Before that, and after a reopen
(which withdraws the close), nothing is served: the answer is NotFound `not_published`.

Whitelist only, as in the tracking view (`domain.public`): region codes, tracking code, kamus
item, OPD and sub-kegiatan codes, volume and cost (original and final), the status at each
level, the final status and the reasons. Never the proposer (name, phone, NIK, group), the
operators (user ids), the address, coordinates, attachments or free text (permasalahan /
gagasan may name people). Drafts were never submitted and are left out.

The final status follows the RKPD annex rules (rkpd.domain.lampiran), so this dataset and
the published RKPD say the same thing:

* status_musrenbang: "ditarik" (withdrawn); "belum diputuskan" (no level decided);
  "tidak diteruskan" (accepted at a level, never decided at kabupaten); otherwise the last
  decision's status ("diterima", "diterima dengan perubahan", "ditolak", "digabung") with
  its reason.
* status_akhir: accepted at kabupaten -> the latest OPD decision ("diakomodasi", "tidak
  diakomodasi", "dialihkan") with the OPD's reason (else the Musrenbang reason), or
  "belum diputuskan" when no OPD decided yet; otherwise status_musrenbang and its reason.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

import sqlalchemy as sa

from eplanning_common.errors import NotFound, ValidationError

from .domain import Level, Usulan, UsulanStatus, decimal_text, money_text, status_at
from .repository import Repository
from .tables import tindak_lanjut, usulan as usulan_table

DATASET = "usulan"
COLUMNS = ("tracking_code", "tahun", "kecamatan", "desa", "opd", "sub_kegiatan", "kamus_kode", "item", "satuan",
           "volume_awal", "cost_awal", "volume_akhir", "cost_akhir", "status_desa", "status_kecamatan",
           "status_kabupaten", "status_musrenbang", "alasan_musrenbang", "digabung_ke", "keputusan_opd",
           "alasan_opd", "dialihkan_ke", "status_akhir", "alasan_akhir")
ACCEPTED = ("diterima", "diterima dengan perubahan")
OPD_DECISION_STATUS = {"diakomodasi": "diakomodasi", "ditolak": "tidak diakomodasi", "dialihkan": "dialihkan"}
UNDECIDED = "belum diputuskan"
_PEMDA = re.compile(r"^[0-9]{2}\.[0-9]{2}$")


def musrenbang_status(u: Usulan) -> tuple[str, str | None]:
    """(status_musrenbang, alasan) by the rules in the module doc."""
    if u.status is UsulanStatus.WITHDRAWN:
        return "ditarik", None
    last = u.latest_decision
    if last is None:
        return UNDECIDED, None
    if last.status.accepted and last.level is not Level.KABUPATEN:
        return "tidak diteruskan", None
    return last.status.value, last.reason or None


def usulan_row(u: Usulan, follow_ups: Sequence[Mapping], tracking_codes: Mapping[str, str]) -> dict:
    """One open-data row; `follow_ups` are the OPD decisions on it in the order they were made."""
    status, alasan = musrenbang_status(u)
    latest = follow_ups[-1] if follow_ups else None
    if status in ACCEPTED:
        if latest is None:
            akhir, alasan_akhir = UNDECIDED, alasan
        else:
            akhir = OPD_DECISION_STATUS.get(latest["decision"], latest["decision"])
            alasan_akhir = latest["reason"] or alasan
    else:
        akhir, alasan_akhir = status, alasan
    item = u.kamus_item
    return {
        "tracking_code": u.tracking_code, "tahun": u.tahun, "kecamatan": u.kecamatan, "desa": u.desa,
        "opd": item.opd, "sub_kegiatan": item.sub_kegiatan, "kamus_kode": item.kode, "item": item.nama,
        "satuan": item.satuan, "volume_awal": decimal_text(u.volume), "cost_awal": money_text(u.cost),
        "volume_akhir": decimal_text(u.current_volume), "cost_akhir": money_text(u.current_cost),
        "status_desa": status_at(u, Level.DESA), "status_kecamatan": status_at(u, Level.KECAMATAN),
        "status_kabupaten": status_at(u, Level.KABUPATEN),
        "status_musrenbang": status, "alasan_musrenbang": alasan,
        "digabung_ke": tracking_codes.get(u.merged_into) if u.merged_into else None,
        "keputusan_opd": latest["decision"] if latest else None,
        "alasan_opd": (latest["reason"] or None) if latest else None,
        "dialihkan_ke": latest["rerouted_to"] if latest else None,
        "status_akhir": akhir, "alasan_akhir": alasan_akhir,
    }


def usulan_rows(usulans: Iterable[Usulan], follow_ups: Mapping[str, Sequence[Mapping]]) -> list[dict]:
    """Every submitted or withdrawn usulan as a row, sorted by kecamatan, desa, tracking code."""
    usulans = [u for u in usulans if u.status is not UsulanStatus.DRAFT]
    codes = {u.id: u.tracking_code for u in usulans}
    rows = [usulan_row(u, follow_ups.get(u.id, ()), codes) for u in usulans]
    return sorted(rows, key=lambda r: (r["kecamatan"], r["desa"], r["tracking_code"]))


def _follow_ups(repo: Repository, pemda: str, tahun: int) -> dict[str, list[dict]]:
    rows = repo.uow.execute(
        sa.select(tindak_lanjut.c.usulan_id, tindak_lanjut.c.decision, tindak_lanjut.c.reason,
                  tindak_lanjut.c.rerouted_to)
        .join(usulan_table, usulan_table.c.id == tindak_lanjut.c.usulan_id)
        .where(usulan_table.c.pemda == pemda, usulan_table.c.tahun == tahun)
        .order_by(tindak_lanjut.c.decided_at, tindak_lanjut.c.event_id)).all()
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r.usulan_id, []).append({"decision": r.decision, "reason": r.reason,
                                                "rerouted_to": r.rerouted_to})
    return out


def open_data(repo: Repository, pemda: str, tahun: int) -> dict:
    """The `usulan` dataset of a closed Musrenbang: {dataset, pemda, tahun, sumber, columns, rows}."""
    errors = []
    if not isinstance(pemda, str) or not _PEMDA.fullmatch(pemda):
        errors.append({"field": "pemda", "message": "Kode pemda, misalnya 12.21", "code": "format_pattern"})
    if isinstance(tahun, bool) or not isinstance(tahun, int) or not 2000 <= tahun <= 2100:
        errors.append({"field": "tahun", "message": "Tahun 2000..2100", "code": "invalid"})
    if errors:
        raise ValidationError("Pemda atau tahun tidak valid", errors=errors)
    not_published = NotFound(f"Hasil Musrenbang {pemda} {tahun} belum dipublikasikan (tahap belum ditutup)",
                             code="not_published")
    try:
        _, _, manifest = repo.schedule(pemda, tahun)
    except NotFound:
        raise not_published from None
    if manifest is None:
        raise not_published
    rows = usulan_rows((u for u, _ in repo.usulan_of_cycle(pemda, tahun)), _follow_ups(repo, pemda, tahun))
    return {"dataset": DATASET, "pemda": pemda, "tahun": tahun,
            # checkable against the rows: status_kabupaten accepted, their count and sum of cost_akhir
            "sumber": {"tahap": "musrenbang", "accepted_count": manifest["accepted_count"],
                       "accepted_cost": manifest["accepted_cost"]},
            "columns": list(COLUMNS), "rows": rows}
