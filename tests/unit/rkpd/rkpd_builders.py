"""Test data builders for the rkpd domain (plain functions and values, no mocks)."""
from __future__ import annotations

from decimal import Decimal

from rkpd.domain import (InMemoryNames, OpdIn, PokirIn, RenjaRowIn, UsulanIn, build_document,
                         default_narrative)

PEMDA = "12.21"
PEMDA_NAMA = "Kabupaten Padang Lawas"
TAHUN = 2027
DIGESTS = {"musrenbang": "a" * 64, "pokir": "b" * 64, "renja": "c" * 64}

OPD_DIKES = "1.02.0.00.0.00.01.0000"
OPD_PU = "1.03.0.00.0.00.01.0000"
OPD_PERKIM = "1.04.0.00.0.00.01.0000"
OPDS = (OpdIn(OPD_PU, "Dinas Pekerjaan Umum dan Penataan Ruang"),
        OpdIn(OPD_DIKES, "Dinas Kesehatan"),
        OpdIn(OPD_PERKIM, "Dinas Perumahan dan Kawasan Permukiman"))

SK_JALAN = "1.03.10.2.01.0028"
SK_JALAN_2 = "1.03.10.2.01.0030"
SK_IRIGASI = "1.03.02.2.01.0001"
SK_PUSKESMAS = "1.02.02.2.01.0014"
SK_RUMAH = "1.04.02.2.01.0005"
NAMES = InMemoryNames({
    "1": "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR",
    "1.02": "URUSAN PEMERINTAHAN BIDANG KESEHATAN",
    "1.03": "URUSAN PEMERINTAHAN BIDANG PEKERJAAN UMUM DAN PENATAAN RUANG",
    "1.03.02": "PROGRAM PENGELOLAAN SUMBER DAYA AIR (SDA)",
    "1.03.10": "PROGRAM PENYELENGGARAAN JALAN",
    "1.03.10.2.01": "Penyelenggaraan Jalan Kabupaten/Kota",
    SK_JALAN: "Pembangunan Jalan",
    SK_JALAN_2: "Rekonstruksi Jalan",
    SK_IRIGASI: "Pembangunan Bendung",
    SK_PUSKESMAS: "Pembangunan Puskesmas",
})

KEC_1, KEC_2, KEC_10 = "12.21.01", "12.21.02", "12.21.10"


def row(id="r1", opd=OPD_PU, sub_kegiatan=SK_JALAN, pagu_n="1000000.00", pagu_n1="0.00",
        **kw):
    values = dict(indikator="Panjang jalan yang dibangun", target=Decimal("12.5"),
                  satuan="Kilometer", lokasi=(KEC_1,), sumber_dana="DAU",
                  prioritas_nasional=("PN 5",), prioritas_daerah=("PD 2",),
                  kelompok_sasaran="Masyarakat")
    values.update(kw)
    return RenjaRowIn(id=id, opd=opd, sub_kegiatan=sub_kegiatan, pagu_n=Decimal(pagu_n),
                      pagu_n1=Decimal(pagu_n1), **values)


def usulan(id="u1", kecamatan=KEC_1, desa=None, status="diterima", keputusan="diakomodasi",
           cost="1000000.00", **kw):
    values = dict(tracking_code=f"TRK-{id}", kecamatan_nama=f"Kecamatan {kecamatan}",
                  desa_nama="Desa", gagasan="Perbaikan jalan desa", opd=OPD_PU,
                  cost_awal=Decimal(cost), alasan="Sesuai prioritas", alasan_opd=None)
    values.update(kw)
    return UsulanIn(id=id, kecamatan=kecamatan, desa=desa or f"{kecamatan}.2001",
                    cost_akhir=Decimal(cost), status_musrenbang=status,
                    keputusan_opd=keputusan, **values)


def pokir(id="p1", anggota="H. Ahmad", dapil="Padang Lawas 1", status="diakomodasi",
          opd=OPD_PU, cost="500000.00", **kw):
    values = dict(fraksi="Fraksi A", judul="Rehab jembatan", kecamatan=KEC_1,
                  desa=f"{KEC_1}.2001", alasan=None)
    values.update(kw)
    return PokirIn(id=id, anggota=anggota, dapil=dapil, status=status, opd=opd,
                   cost=Decimal(cost), **values)


def document(rows=(), usulan=(), pokir=(), *, opds=OPDS, names=NAMES, versi="rancangan awal",
             nomor_versi=1, narrative=None, digests=None):
    return build_document(
        pemda=PEMDA, pemda_nama=PEMDA_NAMA, tahun=TAHUN, versi=versi, nomor_versi=nomor_versi,
        rows=rows, opds=opds, names=names, usulan=usulan, pokir=pokir,
        narrative=default_narrative(PEMDA_NAMA, TAHUN) if narrative is None else narrative,
        inputs_digests=DIGESTS if digests is None else digests)


def lines(doc, tingkat=None):
    baris = doc["tabel_v"]["baris"]
    return [b for b in baris if tingkat is None or b["tingkat"] == tingkat]
