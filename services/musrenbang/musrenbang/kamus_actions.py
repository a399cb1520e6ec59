"""Kamus usulan (proposal catalogue) per pemda and plan year: CSV import with a row-level error
report (all or nothing: one bad row imports nothing) and CSV export."""
import csv
import io

from eplanning_common.errors import ValidationError

from .access import Caller, require_bappeda, require_pemda
from .codec import kamus_to_dict
from .domain import KamusItem, money_text
from .domain.money import parse_decimal
from .nomenclature import sub_kegiatan_error
from .repository import Repository, kamus_id

COLUMNS = ["kode", "nama", "sub_kegiatan", "opd", "satuan", "harga_satuan", "volume_maks"]
MAX_ROWS = 10_000


def parse_kamus_csv(text: str, pemda: str, tahun: int) -> tuple[list[KamusItem], list[dict]]:
    """Items and row errors ({row, field, message, code}; row 1 is the header)."""
    if not isinstance(text, str) or not text.strip():
        return [], [{"row": 1, "field": "csv", "message": "Berkas CSV kosong", "code": "required"}]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header and c != "volume_maks"]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem = (f"kolom wajib tidak ada: {', '.join(missing)}" if missing else
                   f"kolom tidak dikenal: {', '.join(unknown)}")
        return [], [{"row": 1, "field": "header", "message": f"Header CSV salah ({problem}); kolom: {', '.join(COLUMNS)}",
                     "code": "bad_header"}]
    items, errors, seen = [], [], {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append({"row": number, "field": "csv", "message": f"Paling banyak {MAX_ROWS} baris", "code": "too_many"})
            break
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        row_errors = []
        for field in ("kode", "nama", "sub_kegiatan", "opd", "satuan", "harga_satuan"):
            if not row.get(field):
                row_errors.append((field, f"{field} wajib diisi", "required"))
        if row.get("kode") in seen:
            row_errors.append(("kode", f"Kode {row['kode']} sudah ada di baris {seen[row['kode']]}", "duplicate"))
        if row.get("sub_kegiatan"):
            problem = sub_kegiatan_error(row["sub_kegiatan"], pemda)
            if problem:
                row_errors.append(("sub_kegiatan", problem, "unknown_code"))
        price = parse_decimal(row.get("harga_satuan")) if row.get("harga_satuan") else None
        if row.get("harga_satuan") and (price is None or price <= 0):
            row_errors.append(("harga_satuan", "Harga satuan harus angka lebih dari 0", "not_positive"))
        ceiling = parse_decimal(row.get("volume_maks")) if row.get("volume_maks") else None
        if row.get("volume_maks") and (ceiling is None or ceiling <= 0):
            row_errors.append(("volume_maks", "Volume maksimal harus angka lebih dari 0", "not_positive"))
        if row_errors:
            errors += [{"row": number, "field": f, "message": m, "code": c} for f, m, c in row_errors]
            continue
        seen[row["kode"]] = number
        items.append(KamusItem(id=kamus_id(pemda, tahun, row["kode"]), kode=row["kode"], nama=row["nama"], tahun=tahun,
                               pemda=pemda, sub_kegiatan=row["sub_kegiatan"], opd=row["opd"], satuan=row["satuan"],
                               harga_satuan=price, volume_maks=ceiling))
    if not items and not errors:
        errors.append({"row": 2, "field": "csv", "message": "CSV tidak berisi baris data", "code": "empty"})
    return items, errors


def import_kamus(repo: Repository, caller: Caller, tahun: int, csv_text: str) -> dict:
    require_bappeda(caller, caller.pemda)
    items, errors = parse_kamus_csv(csv_text, caller.pemda, tahun)
    if errors:
        raise ValidationError(f"{len(errors)} kesalahan pada CSV kamus usulan; tidak ada yang diimpor",
                              code="csv_invalid", errors=errors)
    repo.upsert_kamus(items)
    return {"pemda": caller.pemda, "tahun": tahun, "imported": len(items)}


def export_kamus(repo: Repository, caller: Caller, tahun: int) -> str:
    require_pemda(caller, caller.pemda)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in repo.kamus_for_cycle(caller.pemda, tahun):
        writer.writerow([item.kode, item.nama, item.sub_kegiatan, item.opd, item.satuan, money_text(item.harga_satuan),
                         "" if item.volume_maks is None else str(item.volume_maks)])
    return out.getvalue()


def list_kamus(repo: Repository, caller: Caller, tahun: int) -> list[dict]:
    require_pemda(caller, caller.pemda)
    return [kamus_to_dict(item) for item in repo.kamus_for_cycle(caller.pemda, tahun)]
