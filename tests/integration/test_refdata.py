"""Reference data against the real PostgreSQL: the musrenbang region tree and the renja
nomenclature versions (data/wilayah_indonesia.csv, data/nomenklatur_kabkota.csv), plus the CLIs."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from eplanning_common import config
from eplanning_common.migrations import migrate
from eplanning_common.wilayah import RegionLookup, load_wilayah, wilayah
from renja.nomenklatur import (NomenklaturVersionConflict, expand_template, load_nomenklatur,
                               nomenklatur, nomenklatur_versi, resolve, sub_kegiatan)

from . import support

BIN = Path(sys.executable).parent
# data/SOURCES.md, "Counts in the file"
NOMENKLATUR_COUNTS = {"urusan": 10, "bidang_urusan": 45, "program": 189, "kegiatan": 713, "sub_kegiatan": 3550}


def _migrated(service: str, name: str) -> str:
    url = support.fresh_database(name)
    migrate(service, url)
    return url


@pytest.fixture(scope="module")
def musrenbang_engine():
    engine = sa.create_engine(_migrated("musrenbang", "eplanning_test_refdata_musrenbang"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def renja_engine():
    engine = sa.create_engine(_migrated("renja", "eplanning_test_refdata_renja"))
    started = time.perf_counter()
    result = load_nomenklatur(engine, "sipd-2027")
    engine.load_seconds = time.perf_counter() - started
    assert result["status"] == "loaded"
    yield engine
    engine.dispose()


def _wilayah_counts(conn, pemda):
    rows = conn.execute(sa.select(wilayah.c.tingkat, sa.func.count()).where(wilayah.c.pemda == pemda)
                        .group_by(wilayah.c.tingkat)).all()
    return dict(rows)


# --- musrenbang: region tree ---------------------------------------------------------------------

def test_padang_lawas_region_tree(musrenbang_engine):
    started = time.perf_counter()
    counts = load_wilayah(musrenbang_engine, "12.21")
    elapsed = time.perf_counter() - started
    print(f"load_wilayah 12.21: {elapsed:.3f}s")
    assert counts == {"kecamatan": 17, "desa_kelurahan": 304}
    assert elapsed < 5
    with musrenbang_engine.connect() as conn:
        assert _wilayah_counts(conn, "12.21") == {"kabupaten_kota": 1, "kecamatan": 17, "desa_kelurahan": 304}
        kecamatan = set(conn.scalars(sa.select(wilayah.c.kode).where(wilayah.c.tingkat == "kecamatan")))
        induk_of_desa = set(conn.scalars(sa.select(wilayah.c.induk).where(wilayah.c.tingkat == "desa_kelurahan")))
        assert induk_of_desa <= kecamatan
        assert set(conn.scalars(sa.select(wilayah.c.induk).where(wilayah.c.tingkat == "kecamatan"))) == {"12.21"}
        root = conn.execute(sa.select(wilayah).where(wilayah.c.kode == "12.21")).one()
        assert (root.nama, root.tingkat, root.induk) == ("Kabupaten Padang Lawas", "kabupaten_kota", None)

    again = load_wilayah(musrenbang_engine, "12.21")
    assert again == counts
    with musrenbang_engine.connect() as conn:
        assert _wilayah_counts(conn, "12.21") == {"kabupaten_kota": 1, "kecamatan": 17, "desa_kelurahan": 304}


def test_region_lookup(musrenbang_engine):
    load_wilayah(musrenbang_engine, "12.21")
    with musrenbang_engine.connect() as conn:
        lookup = RegionLookup(conn)
        desa = lookup.desa("12.21.01.2001")
        assert (desa.nama, desa.induk, desa.pemda) == ("Pagaranbira Jae", "12.21.01", "12.21")
        assert lookup.desa("12.21.01") is None  # a kecamatan is not a desa
        assert lookup.desa("12.21.99.9999") is None
        assert lookup.kecamatan_of("12.21.01.2001") == "12.21.01"
        assert lookup.kecamatan_of("12.21.99.9999") is None
        assert lookup.kecamatan("12.21.01").nama == "Sosopan"
        assert lookup.name_of("12.21.01") == "Sosopan"
        kec = lookup.kecamatan_list("12.21")
        assert len(kec) == 17 and [k.kode for k in kec] == sorted(k.kode for k in kec)
        assert sum(len(lookup.desa_list(k.kode)) for k in kec) == 304
        assert all(d.induk == "12.21.01" for d in lookup.desa_list("12.21.01"))


def test_bad_pemda_codes_are_refused(musrenbang_engine):
    with pytest.raises(ValueError, match=r"Kode pemda 99\.99 tidak ditemukan di data wilayah"):
        load_wilayah(musrenbang_engine, "99.99")
    with pytest.raises(ValueError, match="provinsi"):
        load_wilayah(musrenbang_engine, "12")
    for bad in ("12.21.01", "abc", "", "12.2"):
        with pytest.raises(ValueError):
            load_wilayah(musrenbang_engine, bad)
    with musrenbang_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(wilayah).where(wilayah.c.pemda == "99.99")) == 0


# --- renja: nomenclature versions ----------------------------------------------------------------

def _stored_counts(conn, versi):
    return dict(conn.execute(sa.select(nomenklatur.c.tingkat, sa.func.count())
                             .where(nomenklatur.c.versi == versi).group_by(nomenklatur.c.tingkat)).all())


def test_nomenklatur_counts_match_sources(renja_engine):
    print(f"load_nomenklatur sipd-2027 (4,507 rows): {renja_engine.load_seconds:.3f}s")
    assert renja_engine.load_seconds < 5
    with renja_engine.connect() as conn:
        assert _stored_counts(conn, "sipd-2027") == NOMENKLATUR_COUNTS
        versi = conn.execute(sa.select(nomenklatur_versi).where(nomenklatur_versi.c.versi == "sipd-2027")).one()
        assert versi.jumlah == NOMENKLATUR_COUNTS
        assert versi.sumber == "SIPD pemutakhiran TA 2027" and len(versi.sha256) == 64
        assert versi.dimuat_pada is not None
        # the template is stored as in the source, without per-bidang copies
        assert conn.scalar(sa.select(sa.func.count()).select_from(nomenklatur).where(
            nomenklatur.c.versi == "sipd-2027", nomenklatur.c.kode.like("X.XX.%"),
            nomenklatur.c.tingkat == "sub_kegiatan")) == 111
        assert conn.scalar(sa.select(sa.func.count()).select_from(nomenklatur).where(
            nomenklatur.c.versi == "sipd-2027", nomenklatur.c.kode.like("1.02.01.%"))) == 0


def test_parent_codes_and_jenis_kegiatan(renja_engine):
    with renja_engine.connect() as conn:
        def row(kode):
            return conn.execute(sa.select(nomenklatur).where(nomenklatur.c.versi == "sipd-2027",
                                                             nomenklatur.c.kode == kode)).one()

        sub = row("1.02.02.2.02.0001")
        assert (sub.induk, sub.jenis_kegiatan) == ("1.02.02.2.02", "umum")
        assert sub.kinerja and sub.indikator and sub.satuan
        assert row("1.02.02.2.02").induk == "1.02.02"
        assert row("1.02.02").induk == "1.02"
        assert row("1.02").induk == "1" and row("1.02").jenis_kegiatan is None
        assert row("1").induk is None and row("1").kinerja is None
        jenis = dict(conn.execute(
            sa.select(sa.func.split_part(nomenklatur.c.kode, ".", 4), sa.func.min(nomenklatur.c.jenis_kegiatan))
            .where(nomenklatur.c.versi == "sipd-2027", nomenklatur.c.tingkat == "sub_kegiatan")
            .group_by(sa.func.split_part(nomenklatur.c.kode, ".", 4))).all())
        assert jenis == {"2": "umum", "3": "otsus_papua", "4": "otsus_papua", "5": "keistimewaan_diy",
                         "7": "kekhususan_aceh"}
        aceh = conn.execute(sa.select(nomenklatur).where(
            nomenklatur.c.versi == "sipd-2027", nomenklatur.c.tingkat == "kegiatan",
            sa.func.split_part(nomenklatur.c.kode, ".", 4) == "7").limit(1)).one()
        assert aceh.jenis_kegiatan == "kekhususan_aceh"
        # every stored parent exists in the same version
        orphans = conn.scalar(sa.text(
            "select count(*) from nomenklatur n where n.versi = 'sipd-2027' and n.induk is not null and not exists "
            "(select 1 from nomenklatur p where p.versi = n.versi and p.kode = n.induk)"))
        assert orphans == 0


def test_same_version_same_file_is_unchanged(renja_engine):
    result = load_nomenklatur(renja_engine, "sipd-2027")
    assert result["status"] == "unchanged"
    assert result["jumlah"] == NOMENKLATUR_COUNTS
    with renja_engine.connect() as conn:
        assert _stored_counts(conn, "sipd-2027") == NOMENKLATUR_COUNTS


def test_same_version_different_file_is_refused(renja_engine, tmp_path):
    original = config.data_dir() / "nomenklatur_kabkota.csv"
    modified = tmp_path / "nomenklatur_modified.csv"
    text = original.read_text(encoding="utf-8")
    assert "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah" in text
    modified.write_text(text.replace("Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah",
                                     "Perencanaan dan Penganggaran (diubah)", 1), encoding="utf-8")
    with renja_engine.connect() as conn:
        before = conn.execute(sa.select(nomenklatur).where(nomenklatur.c.versi == "sipd-2027")
                              .order_by(nomenklatur.c.kode)).all()
        digest_before = conn.scalar(sa.select(nomenklatur_versi.c.sha256).where(nomenklatur_versi.c.versi == "sipd-2027"))
    with pytest.raises(NomenklaturVersionConflict, match="sipd-2027 sudah dimuat"):
        load_nomenklatur(renja_engine, "sipd-2027", csv_path=modified)
    with renja_engine.connect() as conn:
        after = conn.execute(sa.select(nomenklatur).where(nomenklatur.c.versi == "sipd-2027")
                             .order_by(nomenklatur.c.kode)).all()
        assert after == before
        assert conn.scalar(sa.select(nomenklatur_versi.c.sha256)
                           .where(nomenklatur_versi.c.versi == "sipd-2027")) == digest_before

    # the revised file loads beside the pinned one under a new version name
    beside = load_nomenklatur(renja_engine, "sipd-2027-revisi", csv_path=modified, sumber="uji")
    assert beside["status"] == "loaded" and beside["jumlah"] == NOMENKLATUR_COUNTS
    with renja_engine.connect() as conn:
        assert _stored_counts(conn, "sipd-2027") == NOMENKLATUR_COUNTS
        assert _stored_counts(conn, "sipd-2027-revisi") == NOMENKLATUR_COUNTS
        names = dict(conn.execute(sa.select(nomenklatur.c.versi, nomenklatur.c.nama)
                                  .where(nomenklatur.c.kode == "X.XX.01.2.01")).all())
        assert names == {"sipd-2027": "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah",
                         "sipd-2027-revisi": "Perencanaan dan Penganggaran (diubah)"}


def test_bad_files_and_names_load_nothing(renja_engine, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("kode,tingkat,nama,kinerja,indikator,satuan\n1,urusan,URUSAN SATU,,,\n"
                      "1.01.01,program,PROGRAM TANPA BIDANG,,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="induk tidak ditemukan"):
        load_nomenklatur(renja_engine, "rusak", csv_path=broken)
    with pytest.raises(ValueError, match="tidak sah"):
        load_nomenklatur(renja_engine, "sipd 2027")
    with renja_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(nomenklatur_versi)
                           .where(nomenklatur_versi.c.versi == "rusak")) == 0


def test_expand_template():
    assert expand_template("1.02", "X.XX.01.2.01.0001") == "1.02.01.2.01.0001"
    assert expand_template("2.09", "X.XX.01") == "2.09.01"
    with pytest.raises(ValueError):
        expand_template("1.02", "1.02.02.2.02.0001")
    with pytest.raises(ValueError):
        expand_template("X.XX", "X.XX.01")


def test_template_resolution(renja_engine):
    with renja_engine.connect() as conn:
        template = sub_kegiatan(conn, "sipd-2027", "X.XX.01.2.01.0001")
        concrete = sub_kegiatan(conn, "sipd-2027", "1.02.01.2.01.0001")
        assert concrete is not None
        assert concrete["kode"] == "1.02.01.2.01.0001"
        assert concrete["induk"] == "1.02.01.2.01"
        assert concrete["template_kode"] == "X.XX.01.2.01.0001"
        assert concrete["versi"] == "sipd-2027" and concrete["jenis_kegiatan"] == "umum"
        assert (concrete["nama"], concrete["indikator"], concrete["satuan"]) == \
            (template["nama"], template["indikator"], template["satuan"])

        stored = sub_kegiatan(conn, "sipd-2027", "1.02.02.2.02.0001")
        assert stored["kode"] == "1.02.02.2.02.0001" and stored["template_kode"] is None

        assert sub_kegiatan(conn, "sipd-2027", "1.99.01.2.01.0001") is None  # bidang not in the version
        assert sub_kegiatan(conn, "sipd-2027", "1.02.01.2.01.9999") is None  # not in the template
        assert sub_kegiatan(conn, "tidak-ada", "1.02.01.2.01.0001") is None  # unknown version
        assert sub_kegiatan(conn, "sipd-2027", "1.02.01.2.01") is None  # a kegiatan, not a sub kegiatan
        kegiatan = resolve(conn, "sipd-2027", "1.02.01.2.01")
        assert (kegiatan["tingkat"], kegiatan["induk"]) == ("kegiatan", "1.02.01")
        assert resolve(conn, "sipd-2027", "1.02.01")["induk"] == "1.02"


# --- CLIs ----------------------------------------------------------------------------------------

def _run(script, *args, env):
    return subprocess.run([str(BIN / script), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60)


def test_musrenbang_refdata_cli(tmp_path):
    url = _migrated("musrenbang", "eplanning_test_refdata_cli_musrenbang")
    env = {"MUSRENBANG_DATABASE_URL": url}
    for _ in range(2):
        done = _run("musrenbang-refdata", "--pemda", "12.21", env=env)
        assert done.returncode == 0, done.stderr
        assert "17 kecamatan" in done.stdout and "304 desa/kelurahan" in done.stdout
    unknown = _run("musrenbang-refdata", "--pemda", "99.99", env=env)
    assert unknown.returncode == 2 and "Kode pemda 99.99 tidak ditemukan di data wilayah" in unknown.stderr
    assert _run("musrenbang-refdata", "--pemda", "12", env=env).returncode == 2
    assert _run("musrenbang-refdata", env=env).returncode == 2  # --pemda missing
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert _wilayah_counts(conn, "12.21") == {"kabupaten_kota": 1, "kecamatan": 17, "desa_kelurahan": 304}
    finally:
        engine.dispose()
    unmigrated = support.fresh_database("eplanning_test_refdata_cli_unmigrated")
    assert _run("musrenbang-refdata", "--pemda", "12.21", env={"MUSRENBANG_DATABASE_URL": unmigrated}).returncode == 1


def test_renja_refdata_cli(tmp_path):
    url = _migrated("renja", "eplanning_test_refdata_cli_renja")
    env = {"RENJA_DATABASE_URL": url}
    first = _run("renja-refdata", "--versi", "sipd-2027", env=env)
    assert first.returncode == 0, first.stderr
    assert "dimuat" in first.stdout and "3550 sub_kegiatan" in first.stdout
    second = _run("renja-refdata", "--versi", "sipd-2027", env=env)
    assert second.returncode == 0 and "tidak berubah" in second.stdout
    modified = tmp_path / "modified.csv"
    modified.write_text((config.data_dir() / "nomenklatur_kabkota.csv").read_text(encoding="utf-8").replace(
        "URUSAN X.XX", "URUSAN X.XX (diubah)", 1), encoding="utf-8")
    conflict = _run("renja-refdata", "--versi", "sipd-2027", "--csv", str(modified), env=env)
    assert conflict.returncode == 2 and "sudah dimuat" in conflict.stderr
    assert _run("renja-refdata", "--versi", "bad name", env=env).returncode == 2
    assert _run("renja-refdata", "--versi", "x", "--csv", str(tmp_path / "missing.csv"), env=env).returncode == 2
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert _stored_counts(conn, "sipd-2027") == NOMENKLATUR_COUNTS
            assert conn.scalar(sa.select(sa.func.count()).select_from(nomenklatur_versi)) == 1
    finally:
        engine.dispose()
