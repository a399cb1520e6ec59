"""Kamus usulan (proposal catalogue) per pemda and plan year: CSV import with a row-level error
report (all or nothing: one bad row imports nothing) and CSV export. The CSV format and the
nomenclature check are shared with Pokir (eplanning_common.reference)."""
from eplanning_common.errors import ValidationError
from eplanning_common.reference import kamus_csv, parse_kamus_csv

from .access import Caller, require_bappeda, require_pemda
from .codec import kamus_to_dict
from .domain import KamusItem
from .repository import Repository, kamus_id


def import_kamus(repo: Repository, caller: Caller, tahun: int, csv_text: str) -> dict:
    require_bappeda(caller, caller.pemda)
    rows, errors = parse_kamus_csv(csv_text, caller.pemda)
    if errors:
        raise ValidationError(f"{len(errors)} kesalahan pada CSV kamus usulan; tidak ada yang diimpor",
                              code="csv_invalid", errors=errors)
    repo.upsert_kamus([KamusItem(id=kamus_id(caller.pemda, tahun, r["kode"]), tahun=tahun, pemda=caller.pemda, **r)
                       for r in rows])
    return {"pemda": caller.pemda, "tahun": tahun, "imported": len(rows)}


def export_kamus(repo: Repository, caller: Caller, tahun: int) -> str:
    require_pemda(caller, caller.pemda)
    return kamus_csv([kamus_to_dict(item) | {"harga_satuan": item.harga_satuan, "volume_maks": item.volume_maks}
                      for item in repo.kamus_for_cycle(caller.pemda, tahun)])


def list_kamus(repo: Repository, caller: Caller, tahun: int) -> list[dict]:
    require_pemda(caller, caller.pemda)
    return [kamus_to_dict(item) for item in repo.kamus_for_cycle(caller.pemda, tahun)]
