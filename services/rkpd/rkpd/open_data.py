"""Open data from the published RKPD (public: the pemda is named by the caller).

Datasets are read from the newest *published* version (see `publication`: a version Bappeda
promoted); nothing is served before the first promotion. Rows are flat (text, numbers, null):
the gateway writes them as JSON or CSV unchanged.

* `tabel-v`: every line of chapter V ("Rencana Program dan Kegiatan Prioritas Daerah"), in the
  document's order: OPD -> urusan -> bidang -> program -> kegiatan -> sub kegiatan. Lists
  (lokasi, prioritas) are joined with "; ". The internal renja row id is left out.
"""
from __future__ import annotations

import sqlalchemy as sa

from eplanning_common import errors as rpc

from .publication import check_cycle, published_rows
from .tables import rkpd_version

TABEL_V_COLUMNS = ("tingkat", "kode", "uraian", "opd", "indikator", "target_n", "satuan", "pagu_n", "lokasi",
                   "sumber_dana", "prioritas_nasional", "prioritas_daerah", "kelompok_sasaran", "target_n1",
                   "pagu_n1")
LIST_COLUMNS = {"lokasi", "prioritas_nasional", "prioritas_daerah"}
DATASETS = ("tabel-v",)


def _flat(value):
    return "; ".join(value) if isinstance(value, list) else value


def tabel_v_rows(document: dict) -> list[dict]:
    """The chapter V lines of `document` as flat open-data rows."""
    return [{column: _flat(line.get(column)) for column in TABEL_V_COLUMNS}
            for line in document["tabel_v"]["baris"]]


def open_data(uow, pemda: str, tahun: int, dataset: str) -> dict:
    check_cycle(pemda, tahun)
    if dataset not in DATASETS:
        raise rpc.NotFound(f"Dataset {dataset} tidak dikenal; yang ada: {', '.join(DATASETS)}",
                           code="dataset_not_found")
    rows = published_rows(uow, pemda, tahun)
    if not rows:
        raise rpc.NotFound(f"RKPD {pemda} {tahun} belum dipublikasikan", code="rkpd_not_published")
    newest = rows[-1]
    document = uow.execute(sa.select(rkpd_version.c.document).where(
        rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun,
        rkpd_version.c.nomor == newest.nomor)).scalar_one()
    return {"dataset": dataset, "pemda": pemda, "tahun": tahun,
            "sumber": {"nomor": newest.nomor, "versi": newest.versi, "content_hash": newest.content_hash},
            "columns": list(TABEL_V_COLUMNS), "rows": tabel_v_rows(document)}
