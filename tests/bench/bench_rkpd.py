"""Benchmark: RKPD assembly plus every format for a large cycle (20,000 usulan, 5,000 renja rows,
45 OPD, 50 members with 40 pokir each), from the RKPD service's own copies in PostgreSQL.

    python tests/bench/bench_rkpd.py [--out var/bench/rkpd.json]

Loads the copies straight into a fresh bench database (ingestion is not what is measured), then
times what the service does when the last stage closes: completeness check of the three stages,
gathering the inputs, building the document, rendering JSON/XLSX/HTML/PDF in a subprocess.
Reports wall time and peak memory (this process and the render child). Not a test.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from eplanning_common.config import data_dir  # noqa: E402
from eplanning_common.db import UnitOfWork, make_engine  # noqa: E402
from eplanning_common.migrations import migrate  # noqa: E402
from eplanning_common.wilayah import load_wilayah  # noqa: E402
from rkpd import assembly, completeness  # noqa: E402
from rkpd.domain import OpdIn  # noqa: E402
from rkpd.render import render_in_subprocess  # noqa: E402
from rkpd.tables import opd_decision, pokir_copy, renja_row_copy, usulan_base, usulan_decision  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.integration import support  # noqa: E402

PEMDA, TAHUN = "12.21", 2027


def codes() -> list[str]:
    with open(data_dir() / "nomenklatur_kabkota.csv", encoding="utf-8", newline="") as fh:
        return [r["kode"] for r in csv.DictReader(fh)
                if r["tingkat"] == "sub_kegiatan" and r["kode"].split(".")[3] == "2" and not r["kode"].startswith("X")]


def load(engine, rnd: random.Random) -> list[OpdIn]:
    now = datetime.now(timezone.utc).isoformat()
    subs = codes()
    opds = [OpdIn(f"{i:02d}.00.0.00.0.00.01.0000", f"OPD Contoh {i:02d}") for i in range(1, 46)]
    with engine.connect() as conn:
        desa = [r[0] for r in conn.execute(sa.text(
            "select kode from wilayah where pemda = :p and tingkat = 'desa_kelurahan'"), {"p": PEMDA})]
    rows = []
    for i in range(5000):
        opd = opds[i % 45].kode
        pagu = rnd.randrange(10, 2000) * 1_000_000
        rows.append({"row_id": f"R{i:05d}", "pemda": PEMDA, "tahun": TAHUN, "version": 1, "deleted": False, "data": {
            "row_id": f"R{i:05d}", "version": 1, "opd": opd, "sub_kegiatan": subs[rnd.randrange(len(subs))],
            "indikator": "Indikator kinerja", "target": str(rnd.randrange(1, 500)), "satuan": "unit",
            "pagu_n": f"{pagu}.00", "pagu_n1": f"{pagu // 2}.00", "lokasi": [desa[i % len(desa)][:8]],
            "sumber_dana": "DAU", "prioritas_nasional": [], "prioritas_daerah": [], "kelompok_sasaran": "Masyarakat",
            "sumber": []}})
    usulan, decisions, opd_dec = [], [], []
    for i in range(20000):
        d = desa[i % len(desa)]
        uid = f"U{i:05d}"
        cost = rnd.randrange(5, 500) * 1_000_000
        usulan.append({"usulan_id": uid, "pemda": PEMDA, "tahun": TAHUN, "version": 1, "withdrawn": False, "data": {
            "usulan_id": uid, "tracking_code": f"T{i:07d}", "version": 1, "kecamatan": d[:8], "desa": d,
            "kamus_kode": "DRN-01", "sub_kegiatan": subs[i % len(subs)], "opd": opds[i % 45].kode, "satuan": "unit",
            "harga_satuan": "1000000.00", "volume": str(cost // 1_000_000), "cost": f"{cost}.00",
            "permasalahan": "Masalah", "gagasan": f"Usulan nomor {i}", "submitted_at": now}})
        accepted = i % 4 == 0
        for level in ("desa", "kecamatan", "kabupaten") if accepted else ("desa", "kecamatan"):
            status = "diterima" if accepted or level == "desa" else "ditolak"
            decisions.append({"usulan_id": uid, "level": level, "data": {
                "usulan_id": uid, "level": level, "status": status, "reason": "" if status == "diterima" else "Alasan",
                "volume": str(cost // 1_000_000), "cost": f"{cost}.00"}})
        if accepted:
            opd_dec.append({"event_id": f"E{i}", "source": "musrenbang", "source_id": uid, "decided_at": now,
                            "data": {"decision": "diakomodasi", "reason": ""}})
    pokir = []
    for i in range(2000):
        pid = f"P{i:04d}"
        pokir.append({"pokir_id": pid, "pemda": PEMDA, "tahun": TAHUN, "version": 4, "data": {
            "pokir_id": pid, "version": 4, "anggota_id": f"A{i // 40:02d}", "dapil": f"PALAS-{i % 5 + 1}",
            "status": "disampaikan", "judul": f"Pokir {i}", "kecamatan": desa[i % len(desa)][:8],
            "desa": desa[i % len(desa)], "sub_kegiatan": subs[i % len(subs)], "opd": opds[i % 45].kode,
            "volume": "1", "cost": "150000000.00", "alasan_tidak_diakomodasi": None}})
    with engine.begin() as conn:
        for table, values in ((renja_row_copy, rows), (usulan_base, usulan), (usulan_decision, decisions),
                              (opd_decision, opd_dec), (pokir_copy, pokir)):
            for start in range(0, len(values), 2000):
                conn.execute(table.insert(), values[start:start + 2000])
    return opds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "rkpd.json"))
    parser.add_argument("--database", default="eplanning_bench_rkpd")
    args = parser.parse_args()
    url = support.fresh_database(args.database)
    migrate("rkpd", url)
    engine = make_engine(url)
    load_wilayah(engine, PEMDA)
    opds = load(engine, random.Random(2027))
    members = {f"P{i:04d}": {"anggota": f"Anggota DPRD {i // 40:02d}", "fraksi": "Fraksi A",
                             "dapil": f"Dapil {i % 5 + 1}"} for i in range(2000)}

    with UnitOfWork(engine, "rkpd") as uow, tempfile.TemporaryDirectory() as out:
        manifests = {}
        for stage, count_key in completeness.COUNT_KEY.items():  # what the stages' closes would say
            records = completeness.RECORDS[stage](uow, PEMDA, TAHUN)
            manifests[stage] = {count_key: len(records), "digest": completeness.digest(records)}
        started = time.perf_counter()
        problems = [completeness.check(uow, PEMDA, TAHUN, s, m) for s, m in manifests.items()]
        checked = time.perf_counter()
        document = assembly.build_from(uow, PEMDA, TAHUN, "rancangan awal", 1, manifests, opds, members)
        built = time.perf_counter()
        files = render_in_subprocess(document, Path(out), timeout=300)
        done = time.perf_counter()
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "inputs": {"usulan": 20000, "renja_rows": 5000, "opd": 45, "pokir": 2000},
        "problems": [p for p in problems if p],
        "seconds": {"completeness": round(checked - started, 2),
                    "gather_and_build": round(built - checked, 2), "render_all_formats": round(done - built, 2),
                    "total": round(done - started, 2)},
        "peak_rss_mib": {"service_process": round(self_peak), "render_subprocess": round(child_peak)},
        "files_bytes": {name: f["bytes"] for name, f in files.items()},
        "chapter_v_lines": len(document["tabel_v"]["baris"]),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    engine.dispose()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
