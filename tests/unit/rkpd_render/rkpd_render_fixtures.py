"""Realistic RKPD documents (the builder's canonical dict, eplanning.rkpd/1) for the render tests
and the benchmark: OPD -> urusan -> bidang -> program -> kegiatan -> sub kegiatan with the pagu of
each level the sum of its children, usulan and pokir annexes, and the summaries."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal

HOSTILE = "<script>alert('rkpd')</script> & \"kutip\""

KECAMATAN = [
    ("12.21.01", "Barumun"),
    ("12.21.02", "Barumun Tengah"),
    ("12.21.03", "Batang Lubu Sutam"),
    ("12.21.04", "Huristak"),
    ("12.21.05", "Huta Raja Tinggi"),
    ("12.21.06", "Lubuk Barumun"),
    ("12.21.07", "Sosa"),
    ("12.21.08", "Sosopan"),
    ("12.21.09", "Ulu Barumun"),
    ("12.21.10", "Barumun Selatan"),
    ("12.21.11", "Aek Nabara Barumun"),
    ("12.21.12", "Sihapas Barumun"),
]

OPD_NAMES = [
    ("1.01.0.00.0.00.01.0000", "Dinas Pendidikan", ("1.01", "Pendidikan")),
    ("1.02.0.00.0.00.01.0000", "Dinas Kesehatan", ("1.02", "Kesehatan")),
    ("1.03.0.00.0.00.01.0000", "Dinas Pekerjaan Umum dan Penataan Ruang", ("1.03", "Pekerjaan Umum dan Penataan Ruang")),
    ("2.09.0.00.0.00.01.0000", "Dinas Ketahanan Pangan", ("2.09", "Pangan")),
    ("3.27.0.00.0.00.01.0000", "Dinas Pertanian", ("3.27", "Pertanian")),
]

FRAKSI = ["Golkar", "PDI Perjuangan", "Gerindra", "Nasdem", "PKB", "Demokrat"]
STATUS_MUSRENBANG = ["diterima", "diterima", "ditolak", "digabung"]
STATUS_POKIR = ["diakomodasi", "ditolak", "ditunda"]
SUMBER = ["DAU", "DAK Fisik", "PAD", "DBH"]
MONEY = Decimal("0.01")


def _m(value: Decimal) -> str:
    return str(value.quantize(MONEY))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_document(
    *,
    n_opd: int = 3,
    bidang_per_urusan: int = 2,
    program_per_bidang: int = 2,
    kegiatan_per_program: int = 2,
    sub_cycle: tuple[int, ...] = (1, 2),
    n_usulan: int = 20,
    n_pokir: int = 10,
    hostile: bool = True,
    tahun: int = 2027,
    place_annexes: bool = True,
) -> dict:
    baris: list[dict] = []
    leaf_no = 0
    opd_list = []
    for o in range(n_opd):
        code, nama, (urusan_kode, urusan_nama) = OPD_NAMES[o % len(OPD_NAMES)]
        if o >= len(OPD_NAMES):  # more OPD than names: number them
            code = code.replace(".0000", f".{o:04d}")
            nama = f"{nama} Unit {o}"
        opd_list.append((code, nama, urusan_kode, urusan_nama))

    def row(tingkat, kode, uraian, opd, **kw):
        r = {
            "tingkat": tingkat,
            "kode": kode,
            "uraian": uraian,
            "opd": opd,
            "indikator": None,
            "target_n": None,
            "satuan": None,
            "pagu_n": "0.00",
            "lokasi": [],
            "sumber_dana": None,
            "prioritas_nasional": [],
            "prioritas_daerah": [],
            "kelompok_sasaran": None,
            "target_n1": None,
            "pagu_n1": "0.00",
        }
        r.update(kw)
        baris.append(r)
        return r

    def close(parent, children):
        parent["pagu_n"] = _m(sum((Decimal(c["pagu_n"]) for c in children), Decimal(0)))
        parent["pagu_n1"] = _m(sum((Decimal(c["pagu_n1"]) for c in children), Decimal(0)))

    per_urusan: dict[str, dict] = {}
    per_opd = []
    for code, nama, urusan_kode, urusan_nama in opd_list:
        opd_row = row("opd", code, nama.upper(), code)
        urusan_row = row("urusan", urusan_kode, f"URUSAN PEMERINTAHAN BIDANG {urusan_nama.upper()}", code)
        opd_rows_before = len(baris)
        bidang_rows = []
        for b in range(bidang_per_urusan):
            bidang_kode = f"{urusan_kode}.{b + 1:02d}"
            bidang_row = row("bidang", bidang_kode, f"Bidang {urusan_nama} {b + 1}", code)
            program_rows = []
            for p in range(program_per_bidang):
                program_kode = f"{bidang_kode}.{p + 1:02d}"
                program_row = row(
                    "program",
                    program_kode,
                    f"Program Peningkatan Layanan {urusan_nama} {b + 1}.{p + 1}",
                    code,
                    indikator="Persentase capaian layanan",
                    target_n="85",
                    satuan="persen",
                    target_n1="90",
                )
                kegiatan_rows = []
                for k in range(kegiatan_per_program):
                    kegiatan_kode = f"{program_kode}.2.{k + 1:02d}"
                    kegiatan_row = row(
                        "kegiatan",
                        kegiatan_kode,
                        f"Kegiatan Penyediaan Sarana {urusan_nama} {b + 1}.{p + 1}.{k + 1}",
                        code,
                    )
                    subs = []
                    for s in range(sub_cycle[leaf_no % len(sub_cycle)]):
                        leaf_no += 1
                        kec_code, _ = KECAMATAN[leaf_no % len(KECAMATAN)]
                        pagu = Decimal(100_000_000 + (leaf_no * 7919 % 900) * 1_000_000) + Decimal("0.25") * (
                            leaf_no % 4
                        )
                        pagu1 = (pagu * Decimal("1.05")).quantize(MONEY)
                        subs.append(
                            row(
                                "sub_kegiatan",
                                f"{kegiatan_kode}.{s + 1:04d}",
                                f"Pembangunan dan rehabilitasi sarana {urusan_nama.lower()} desa nomor {leaf_no}",
                                code,
                                indikator="Jumlah sarana yang dibangun atau direhabilitasi",
                                target_n=str(leaf_no % 9 + 1),
                                satuan="unit",
                                pagu_n=_m(pagu),
                                lokasi=[kec_code],
                                sumber_dana=SUMBER[leaf_no % len(SUMBER)],
                                prioritas_nasional=[f"PN{leaf_no % 7 + 1}"],
                                prioritas_daerah=[f"PD{leaf_no % 5 + 1}"],
                                kelompok_sasaran="Masyarakat desa",
                                target_n1=str(leaf_no % 9 + 2),
                                pagu_n1=_m(pagu1),
                                row_id=f"rr-{leaf_no:06d}",
                                catatan_internal="ignored by the renderer",
                            )
                        )
                    close(kegiatan_row, subs)
                    kegiatan_rows.append(kegiatan_row)
                close(program_row, kegiatan_rows)
                program_rows.append(program_row)
            close(bidang_row, program_rows)
            bidang_rows.append(bidang_row)
        close(urusan_row, bidang_rows)
        close(opd_row, [urusan_row])
        per_opd.append(
            {
                "opd": code,
                "nama": nama,
                "baris": len(baris) - opd_rows_before + 2,
                "pagu_n": opd_row["pagu_n"],
                "pagu_n1": opd_row["pagu_n1"],
                "usulan_diakomodasi": 0,
                "pokir_diakomodasi": 0,
            }
        )
        u = per_urusan.setdefault(
            urusan_kode, {"urusan": urusan_kode, "nama": urusan_nama, "baris": 0, "pagu_n": Decimal(0), "pagu_n1": Decimal(0)}
        )
        u["baris"] += len(baris) - opd_rows_before + 1
        u["pagu_n"] += Decimal(urusan_row["pagu_n"])
        u["pagu_n1"] += Decimal(urusan_row["pagu_n1"])

    leaves = [r for r in baris if r["tingkat"] == "sub_kegiatan"]
    total_n = sum((Decimal(r["pagu_n"]) for r in leaves), Decimal(0))
    total_n1 = sum((Decimal(r["pagu_n1"]) for r in leaves), Decimal(0))

    usulan = []
    kec_stats: dict[str, dict] = defaultdict(lambda: {"jumlah": 0, "diterima": 0, "ditolak": 0, "lainnya": 0, "nilai": Decimal(0)})
    opd_index = {o["opd"]: o for o in per_opd}
    for i in range(n_usulan):
        kec_code, kec_nama = KECAMATAN[i % len(KECAMATAN)]
        opd_code = opd_list[i % len(opd_list)][0]
        status = STATUS_MUSRENBANG[i % len(STATUS_MUSRENBANG)]
        cost_awal = Decimal(50_000_000 + (i * 37 % 100) * 1_000_000)
        cost_akhir = cost_awal * Decimal("0.9") if status == "diterima" else None
        usulan.append(
            {
                "tracking_code": f"MR-2027-{i + 1:06d}",
                "kecamatan_nama": kec_nama,
                "desa_nama": f"Desa {kec_nama} {i % 7 + 1}",
                "gagasan": f"Perbaikan jalan dan drainase lingkungan desa {i + 1}",
                "opd": opd_code,
                "cost_awal": _m(cost_awal),
                "cost_akhir": _m(cost_akhir) if cost_akhir is not None else None,
                "status_musrenbang": status,
                "alasan": None if status == "diterima" else "Tidak sesuai kewenangan kabupaten",
                "keputusan_opd": "diakomodasi" if status == "diterima" else None,
                "alasan_opd": None,
            }
        )
        st = kec_stats[kec_code]
        st["jumlah"] += 1
        if status == "diterima":
            st["diterima"] += 1
            st["nilai"] += cost_akhir
            opd_index[opd_code]["usulan_diakomodasi"] += 1
        elif status == "ditolak":
            st["ditolak"] += 1
        else:
            st["lainnya"] += 1

    pokir = []
    for i in range(n_pokir):
        opd_code = opd_list[i % len(opd_list)][0]
        status = STATUS_POKIR[i % len(STATUS_POKIR)]
        pokir.append(
            {
                "anggota": f"H. Anggota DPRD {i + 1}, S.H.",
                "fraksi": FRAKSI[i % len(FRAKSI)],
                "dapil": f"Padang Lawas {i % 4 + 1}",
                "judul": f"Pembangunan jembatan gantung dusun {i + 1}",
                "opd": opd_code,
                "cost": _m(Decimal(250_000_000 + i * 5_000_000)),
                "status": status,
                "alasan": None if status == "diakomodasi" else "Menunggu ketersediaan anggaran",
            }
        )
        if status == "diakomodasi":
            opd_index[opd_code]["pokir_diakomodasi"] += 1

    narasi = "Dokumen RKPD disusun berdasarkan hasil musrenbang dan pokok-pokok pikiran DPRD.\n\nParagraf kedua."
    bab = [
        {"nomor": "I", "judul": "PENDAHULUAN", "bagian": [
            {"judul": "Latar Belakang", "jenis": "narasi", "teks": narasi + (f"\n\nKutipan: {HOSTILE}" if hostile else "")},
            {"judul": "Dasar Hukum", "jenis": "narasi", "teks": "Undang-Undang Nomor 23 Tahun 2014.\nPermendagri Nomor 86 Tahun 2017."},
        ]},
        {"nomor": "II", "judul": "GAMBARAN UMUM KONDISI DAERAH", "bagian": [
            {"judul": "Aspek Geografi dan Demografi", "jenis": "narasi", "teks": "Kabupaten Padang Lawas terdiri atas 12 kecamatan."}]},
        {"nomor": "III", "judul": "KERANGKA EKONOMI DAN KEUANGAN DAERAH", "bagian": [
            {"judul": "Arah Kebijakan Keuangan Daerah", "jenis": "narasi", "teks": "Pendapatan daerah diproyeksikan tumbuh."}]},
        {"nomor": "IV", "judul": "SASARAN DAN PRIORITAS PEMBANGUNAN DAERAH", "bagian": [
            {"judul": "Prioritas Pembangunan Daerah", "jenis": "narasi", "teks": "Infrastruktur, pendidikan dan kesehatan."},
            {"judul": "Pagu per Urusan", "jenis": "ringkasan_urusan"}]},
        {"nomor": "V", "judul": "RENCANA KERJA DAN PENDANAAN DAERAH", "bagian": [
            {"judul": "Rencana Program dan Kegiatan Prioritas Daerah", "jenis": "tabel_v"},
            {"judul": "Pagu per Perangkat Daerah", "jenis": "ringkasan_opd"}]},
        {"nomor": "VI", "judul": "KINERJA PENYELENGGARAAN PEMERINTAHAN DAERAH", "bagian": [
            {"judul": "Usulan Musrenbang per Kecamatan", "jenis": "ringkasan_kecamatan"}]},
        {"nomor": "VII", "judul": "PENUTUP", "bagian": [
            {"judul": "Penutup", "jenis": "narasi", "teks": "Demikian RKPD ini disusun."}]
            + ([{"judul": "Lampiran Usulan Musrenbang", "jenis": "lampiran_usulan"},
                {"judul": "Lampiran Pokok-Pokok Pikiran DPRD", "jenis": "lampiran_pokir"}] if place_annexes else [])},
    ]

    return {
        "schema": "eplanning.rkpd/1",
        "pemda": "12.21",
        "pemda_nama": "Kabupaten Padang Lawas",
        "tahun": tahun,
        "versi": "rancangan awal",
        "nomor_versi": 1,
        "inputs": {"musrenbang": _sha("musrenbang"), "pokir": _sha("pokir"), "renja": _sha("renja")},
        "bab": bab,
        "tabel_v": {"baris": baris, "total_n": _m(total_n), "total_n1": _m(total_n1)},
        "lampiran": {"usulan": usulan, "pokir": pokir},
        "ringkasan": {
            "per_kecamatan": [
                {
                    "kecamatan": code,
                    "nama": nama,
                    "jumlah": kec_stats[code]["jumlah"],
                    "diterima": kec_stats[code]["diterima"],
                    "ditolak": kec_stats[code]["ditolak"],
                    "lainnya": kec_stats[code]["lainnya"],
                    "nilai_diterima": _m(kec_stats[code]["nilai"]),
                }
                for code, nama in KECAMATAN
                if code in kec_stats
            ],
            "per_opd": per_opd,
            "per_urusan": [
                {**u, "pagu_n": _m(u["pagu_n"]), "pagu_n1": _m(u["pagu_n1"])} for u in per_urusan.values()
            ],
        },
        "grand_total": {"pagu_n": _m(total_n), "pagu_n1": _m(total_n1)},
        "dibuat_oleh": "builder (extra key, ignored)",
    }


def make_large_document() -> dict:
    """The benchmark size: ~5,500 sub kegiatan in ~11,400 lines, 20,000 usulan, 2,000 pokir."""
    return make_document(
        n_opd=40,
        bidang_per_urusan=2,
        program_per_bidang=12,
        kegiatan_per_program=5,
        sub_cycle=(1, 1, 1, 1, 1, 1, 2),
        n_usulan=20_000,
        n_pokir=2_000,
        hostile=True,
    )
