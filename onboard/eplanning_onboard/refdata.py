"""Step 1 of an onboarding: the pemda's region tree (kab/kota, kecamatan, desa/kelurahan, from the
shipped Kemendagri codes) into the database of every service that names places, and the national
nomenclature version into renja. Each goes through the loader its service owns (the same code as
the `<service>-refdata` console scripts, without their demo registers). Upserts: a second run
writes the same rows."""
from __future__ import annotations

from typing import Callable

from eplanning_common.cli import wilayah as wilayah_cli
from eplanning_common.wilayah import read_pemda_rows

REGION_SERVICES = ("musrenbang", "pokir", "renja", "rkpd")


def region(pemda: str) -> dict:
    """The kab/kota row of `pemda` from the shipped region data (no database touched), with its
    kecamatan and desa counts; ValueError in Bahasa Indonesia for an unknown or malformed code."""
    rows = read_pemda_rows(pemda)
    root = next(r for r in rows if r["tingkat"] == "kabupaten_kota")
    return {"kode": root["kode"], "nama": root["nama"],
            "kecamatan": sum(r["tingkat"] == "kecamatan" for r in rows),
            "desa_kelurahan": sum(r["tingkat"] == "desa_kelurahan" for r in rows)}


def load(pemda: str, nomenklatur: str, *, load_region: Callable[[list[str], str], int] | None = None,
         load_nomenklatur: Callable[[list[str]], int] | None = None) -> int:
    """0 when every service holds the region tree and renja the nomenclature; else the first
    loader's exit status (1 database not ready, 2 bad input), its message already printed."""
    load_region = load_region or (lambda argv, service: wilayah_cli.main(argv, service=service))
    if load_nomenklatur is None:
        from renja.refdata_cli import main as load_nomenklatur
    for service in REGION_SERVICES:
        print(f"  {service}:", end=" ", flush=True)  # the loader prints what it loaded on this line
        code = load_region(["--pemda", pemda], service)
        if code:
            return code
    print("  renja:", end=" ", flush=True)
    return load_nomenklatur(["--versi", nomenklatur])
