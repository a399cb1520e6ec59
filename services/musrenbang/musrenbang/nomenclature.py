"""Is a sub-kegiatan code valid for a kabupaten/kota? Checked against the project's copy of the
national nomenclature (data/nomenklatur_kabkota.csv, see data/SOURCES.md).

The shared support program is stored once as the `X.XX` template; a concrete code such as
`1.02.01.2.01.0001` is valid when its template `X.XX.01.2.01.0001` exists and `1.02` is a bidang.
Kegiatan with 4th segment 3/4 (Papua), 5 (DIY) or 7 (Aceh) are valid only in those provinces.
"""
import csv
import functools

from eplanning_common import config

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
