"""Reference data shared by the stage services: the national nomenclature check and the kamus
usulan (proposal catalogue) CSV format that Musrenbang and Pokir both use.

Is a sub-kegiatan code valid for a kabupaten/kota? Checked against the project's copy of the
national nomenclature (data/nomenklatur_kabkota.csv, see data/SOURCES.md).

The shared support program is stored once as the `X.XX` template; a concrete code such as
`1.02.01.2.01.0001` is valid when its template `X.XX.01.2.01.0001` exists and `1.02` is a bidang.
Kegiatan with 4th segment 3/4 (Papua), 5 (DIY) or 7 (Aceh) are valid only in those provinces.
"""
import csv
import functools
import io
from decimal import Decimal, InvalidOperation

from . import config
from .domainkit.text import LINE, spreadsheet_text, text_problem

SPECIAL_PROVINCES = {"3": {"91", "92", "93", "94", "95", "96", "97"}, "4": {"91", "92", "93", "94", "95", "96", "97"},
                     "5": {"34"}, "7": {"11"}}


@functools.lru_cache(maxsize=1)
def _codes() -> tuple[frozenset[str], frozenset[str]]:
    sub_kegiatan, bidang = set(), set()
    with open(config.data_dir() / "nomenklatur_kabkota.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["tingkat"] == "sub_kegiatan":
                sub_kegiatan.add(row["kode"])
            elif row["tingkat"] == "bidang_urusan":
                bidang.add(row["kode"])
    return frozenset(sub_kegiatan), frozenset(bidang)


def sub_kegiatan_error(kode: str, pemda: str) -> str | None:
    """None when `kode` is a sub-kegiatan this pemda may plan; else the reason, in Bahasa Indonesia."""
    sub_kegiatan, bidang = _codes()
    parts = kode.split(".")
    if len(parts) != 6:
        return f"Kode sub kegiatan {kode} tidak berformat x.xx.xx.x.xx.xxxx"
    if kode.startswith("X."):
        return "Kode templat X.XX harus diganti dengan kode bidang urusan"
    template = "X.XX." + ".".join(parts[2:])
    if kode not in sub_kegiatan and not (template in sub_kegiatan and ".".join(parts[:2]) in bidang):
        return f"Kode sub kegiatan {kode} tidak ada dalam nomenklatur"
    provinces = SPECIAL_PROVINCES.get(parts[3])
    if provinces is not None and pemda.split(".")[0] not in provinces:
        return f"Sub kegiatan {kode} hanya berlaku di daerah khusus/istimewa"
    return None


KAMUS_COLUMNS = ["kode", "nama", "sub_kegiatan", "opd", "satuan", "harga_satuan", "volume_maks"]
KAMUS_MAX_ROWS = 10_000


def _positive(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


class CsvUnreadable(ValueError):
    """Text the csv module cannot read: a line break inside an unquoted field, a field longer than
    its limit (131,072 characters)."""

    def __init__(self, line: int):
        self.line = line
        super().__init__(f"CSV tidak dapat dibaca pada baris {line}: ada baris baru di dalam kolom tanpa tanda "
                         "kutip, atau kolom yang terlalu panjang")


def read_csv(text: str) -> tuple[list[str], list[dict]]:
    """(header, rows) of a CSV text: a BOM is fine, lines may end in \\n, \\r\\n or \\r. Raises
    CsvUnreadable naming the line (issue #9: a bare \\r in a field was an unhandled csv.Error, a 500)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return list(reader.fieldnames or []), list(reader)
    except csv.Error:
        raise CsvUnreadable(reader.line_num + 1) from None  # the record being read


def parse_kamus_csv(text: str, pemda: str) -> tuple[list[dict], list[dict]]:
    """Catalogue rows {kode, nama, sub_kegiatan, opd, satuan, harga_satuan: Decimal,
    volume_maks: Decimal|None} and row errors {row, field, message, code} (row 1 is the header)."""
    if not isinstance(text, str) or not text.strip():
        return [], [{"row": 1, "field": "csv", "message": "Berkas CSV kosong", "code": "required"}]
    try:
        header, records = read_csv(text)
    except CsvUnreadable as exc:
        return [], [{"row": exc.line, "field": "csv", "message": str(exc), "code": "csv_unreadable"}]
    missing = [c for c in KAMUS_COLUMNS if c not in header and c != "volume_maks"]
    unknown = [c for c in header if c not in KAMUS_COLUMNS]
    if missing or unknown:
        problem = (f"kolom wajib tidak ada: {', '.join(missing)}" if missing else
                   f"kolom tidak dikenal: {', '.join(unknown)}")
        return [], [{"row": 1, "field": "header", "code": "bad_header",
                     "message": f"Header CSV salah ({problem}); kolom: {', '.join(KAMUS_COLUMNS)}"}]
    rows, errors, seen = [], [], {}
    for number, raw in enumerate(records, start=2):
        if number - 1 > KAMUS_MAX_ROWS:
            errors.append({"row": number, "field": "csv", "message": f"Paling banyak {KAMUS_MAX_ROWS} baris",
                           "code": "too_many"})
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        problems = [(f, f"{f} wajib diisi", "required")
                    for f in ("kode", "nama", "sub_kegiatan", "opd", "satuan", "harga_satuan") if not row.get(f)]
        for f in KAMUS_COLUMNS[:5]:  # the text rule of every one-line field (domainkit.text)
            code = text_problem(row.get(f) or "", LINE)
            if code is not None:
                problems.append((f, f"{f} harus satu baris teks tanpa karakter kontrol atau U+FFFE/U+FFFF", code))
        if row.get("kode") in seen:
            problems.append(("kode", f"Kode {row['kode']} sudah ada di baris {seen[row['kode']]}", "duplicate"))
        if row.get("sub_kegiatan"):
            problem = sub_kegiatan_error(row["sub_kegiatan"], pemda)
            if problem:
                problems.append(("sub_kegiatan", problem, "unknown_code"))
        price = _positive(row["harga_satuan"]) if row.get("harga_satuan") else None
        if row.get("harga_satuan") and price is None:
            problems.append(("harga_satuan", "Harga satuan harus angka lebih dari 0", "not_positive"))
        ceiling = _positive(row["volume_maks"]) if row.get("volume_maks") else None
        if row.get("volume_maks") and ceiling is None:
            problems.append(("volume_maks", "Volume maksimal harus angka lebih dari 0", "not_positive"))
        if problems:
            errors += [{"row": number, "field": f, "message": m, "code": c} for f, m, c in problems]
            continue
        seen[row["kode"]] = number
        rows.append({**{c: row[c] for c in KAMUS_COLUMNS[:5]}, "harga_satuan": price, "volume_maks": ceiling})
    if not rows and not errors:
        errors.append({"row": 2, "field": "csv", "message": "CSV tidak berisi baris data", "code": "empty"})
    return rows, errors


def _csv_text(value: str) -> str:
    """A text cell of a "\\n"-terminated CSV: a formula neutralised, and a carriage return made a
    newline (the csv module quotes a field holding its line terminator, not a lone "\\r", which a
    reader takes for the end of the row)."""
    return spreadsheet_text(value).replace("\r\n", "\n").replace("\r", "\n")


def kamus_csv(rows: list[dict]) -> str:
    """The CSV of catalogue rows (same columns as the import). A text cell a spreadsheet would run
    as a formula (`=HYPERLINK(...)`, `@SUM(...)`) gets a leading apostrophe
    (`domainkit.text.spreadsheet_text`): the file is opened in Excel by whoever downloads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KAMUS_COLUMNS)
    for r in rows:
        writer.writerow([*(_csv_text(r[c]) for c in ("kode", "nama", "sub_kegiatan", "opd", "satuan")),
                         f"{r['harga_satuan']:.2f}", "" if r.get("volume_maks") is None else str(r["volume_maks"])])
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    with open(config.data_dir() / "nomenklatur_kabkota.csv", encoding="utf-8", newline="") as fh:
        return {row["kode"]: row["nama"] for row in csv.DictReader(fh)}


def nomenclature_name(kode: str) -> str | None:
    """The name of a nomenclature code (urusan .. sub kegiatan), resolving a bidang's copy of the
    `X.XX` template ("1.02.01.2.01.0001" -> the name of "X.XX.01.2.01.0001")."""
    names = _names()
    if kode in names:
        return names[kode]
    parts = kode.split(".")
    if len(parts) >= 3 and ".".join(parts[:2]) in names:
        return names.get("X.XX." + ".".join(parts[2:]))
    return None
