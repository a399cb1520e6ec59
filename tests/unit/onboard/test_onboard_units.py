"""The pure parts of eplanning-onboard: which register files belong to a pemda, when a file is
"already there" (what lets a second run send nothing), the administrator's password file (0600,
never regenerated) and the derived password of the onboarding account, the refusal of a bad
region code before any loader runs."""
from __future__ import annotations

import io
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from eplanning_onboard import credentials, refdata, registers
from eplanning_onboard.__main__ import main

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "demo"


# -- register files ------------------------------------------------------------------------------

def test_the_demo_folder_holds_every_register_of_the_demo_pemda():
    files = registers.find_files("12.21", 2027, DEMO)
    assert files.opd == DEMO / "opd_12.21.csv"
    assert files.dprd == (DEMO / "dprd_dapil_12.21.csv", DEMO / "dprd_anggota_12.21.csv",
                          DEMO / "dprd_staf_ahli_12.21.csv")
    assert files.kamus == DEMO / "kamus_usulan_12.21_2027.csv"
    assert registers.find_files("12.21", 2030, DEMO).kamus is None  # no kamus for that year
    assert registers.find_files("12.21", None, DEMO).kamus is None
    assert registers.find_files("32.73", 2027, DEMO) == registers.RegisterFiles()  # nothing of another pemda


def test_explicit_files_win_and_must_exist(tmp_path):
    own = tmp_path / "opd.csv"
    own.write_text("kode,nama,bidang\n")
    assert registers.find_files("12.21", 2027, DEMO, {"opd": own}).opd == own
    with pytest.raises(registers.RegisterError, match="tidak ada"):
        registers.find_files("12.21", 2027, None, {"opd": tmp_path / "missing.csv"})
    with pytest.raises(registers.RegisterError, match="--tahun"):
        registers.find_files("12.21", None, None, {"kamus": own})
    with pytest.raises(registers.RegisterError, match="folder"):
        registers.find_files("12.21", 2027, tmp_path / "nope")


def test_the_dprd_register_is_three_files_or_none(tmp_path):
    (tmp_path / "dprd_dapil_32.73.csv").write_text("kode,nama,kecamatan\n")
    with pytest.raises(registers.RegisterError, match="dprd_anggota_32.73.csv, dprd_staf_ahli_32.73.csv"):
        registers.find_files("32.73", None, tmp_path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "opd_32.73.csv"
    path.write_bytes("kode,nama,bidang\n1.01,Dinas Pendidikan Kota Bandung \xe9,1.01\n".encode("latin-1"))
    with pytest.raises(registers.RegisterError, match="UTF-8"):
        registers.read_text(path)


# -- "already there" -----------------------------------------------------------------------------

OPD_CSV = "kode,nama,bidang\n1.03.0.00.0.00.01.0000,Dinas PU,1.03; 1.04\n1.02.0.00.0.00.01.0000,Dinas Kesehatan,1.02\n"


def test_an_opd_file_is_there_when_every_row_is_in_the_api_read_with_the_same_name_and_bidang():
    listed = [{"kode": "1.02.0.00.0.00.01.0000", "nama": "Dinas Kesehatan", "bidang": ["1.02"]},
              {"kode": "1.03.0.00.0.00.01.0000", "nama": "Dinas PU", "bidang": ["1.03", "1.04"]},
              {"kode": "9.99.0.00.0.00.01.0000", "nama": "imported earlier", "bidang": ["1.01"]}]
    assert registers.already_there(registers.opd_view(OPD_CSV), registers.api_opd_view(listed))
    renamed = [dict(listed[0], nama="Dinas Kesehatan Kota"), *listed[1:]]
    assert not registers.already_there(registers.opd_view(OPD_CSV), registers.api_opd_view(renamed))
    other_bidang = [listed[0], dict(listed[1], bidang=["1.03"])]
    assert not registers.already_there(registers.opd_view(OPD_CSV), registers.api_opd_view(other_bidang))
    assert not registers.already_there(registers.opd_view(OPD_CSV), registers.api_opd_view([]))


def _register_files(pagu="1500000000", telepon=""):
    dapil = "kode,nama,kecamatan\nBDG-1,Dapil 1,32.73.01;32.73.02\n"
    anggota = f"id,nama,fraksi,dapil,pagu,telepon\nB01,Anggota 01,Fraksi A,BDG-1,{pagu},{telepon}\n"
    staf = "id,nama,anggota_id\nT01,Staf 01,B01\n"
    return dapil, anggota, staf


READ_BACK = {"pemda": "32.73", "periode": "2024-2029",
             "dapil": [{"kode": "BDG-1", "nama": "Dapil 1", "kecamatan": ["32.73.01", "32.73.02"]}],
             "anggota": [{"id": "B01", "nama": "Anggota 01", "fraksi": "Fraksi A", "dapil": "BDG-1",
                          "pagu": "1500000000.00"}],
             "staf_ahli": [{"id": "T01", "nama": "Staf 01", "anggota_id": "B01"}]}


def test_a_dprd_register_is_there_when_the_read_shows_the_same_term_dapil_members_and_staff():
    api = registers.api_register_view(READ_BACK)
    assert registers.already_there(registers.register_view("2024-2029", *_register_files()), api)
    assert not registers.already_there(registers.register_view("2029-2034", *_register_files()), api)
    assert not registers.already_there(registers.register_view("2024-2029", *_register_files(pagu="1")), api)
    assert not registers.already_there(registers.register_view("2024-2029", *_register_files()), None)  # 404
    # a telephone is kept inside pokir, so such a file can never be proven there: it is sent again
    assert registers.register_view("2024-2029", *_register_files(telepon="0812")) is None
    assert registers.register_view("2024-2029", *_register_files(pagu="1.000.000")) is None


def test_a_kamus_is_there_when_its_items_are_in_the_export_whatever_the_number_format():
    text = ("kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
            "DRN-01,Drainase,1.03.06.2.01.0012,1.03.0.00.0.00.01.0000,meter,900000,2000\n")
    exported = ("kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
                "DRN-01,Drainase,1.03.06.2.01.0012,1.03.0.00.0.00.01.0000,meter,900000.00,2000\n"
                "JLN-01,Jalan,1.03.10.2.01.0049,1.03.0.00.0.00.01.0000,meter,1.00,\n")
    assert registers.kamus_view(exported)["DRN-01"][4] == Decimal("900000")
    assert registers.already_there(registers.kamus_view(text), registers.kamus_view(exported))
    assert not registers.already_there(registers.kamus_view(text.replace("900000", "950000")),
                                       registers.kamus_view(exported))
    assert not registers.already_there(registers.kamus_view(text.replace(",2000", ",")), registers.kamus_view(exported))


# -- passwords -----------------------------------------------------------------------------------

def test_the_administrators_password_file_is_made_once_with_mode_600(tmp_path):
    path = tmp_path / "onboard" / "32.73" / "admin-password.txt"
    password, created = credentials.admin_password(path)
    assert created and len(password) >= 12
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and not credentials.too_open(path)
    assert credentials.admin_password(path) == (password, False)  # never regenerated
    path.chmod(0o640)  # a Secret mounted for the pod's fsGroup
    assert not credentials.too_open(path)
    path.chmod(0o644)
    assert credentials.too_open(path)


def test_a_given_password_file_is_used_as_it_is_and_an_empty_one_refused(tmp_path):
    given = tmp_path / "secret"
    given.write_text("kata-sandi-dari-secret\n")
    assert credentials.admin_password(given) == ("kata-sandi-dari-secret", False)
    given.write_text("\n")
    with pytest.raises(credentials.CredentialError, match="kosong"):
        credentials.admin_password(given)
    with pytest.raises(credentials.CredentialError, match="bukan berkas"):
        credentials.admin_password(tmp_path)


def test_the_onboarding_password_is_derived_per_pemda_and_from_the_administrators():
    a = credentials.onboarding_password("kata-sandi-admin-1", "32.73")
    assert a == credentials.onboarding_password("kata-sandi-admin-1", "32.73") and len(a) == 43
    assert a != credentials.onboarding_password("kata-sandi-admin-1", "12.71")
    assert a != credentials.onboarding_password("kata-sandi-admin-2", "32.73")
    assert "kata-sandi-admin-1" not in a


# -- region codes ----------------------------------------------------------------------------------

def test_the_region_of_a_code_comes_from_the_shipped_data():
    assert refdata.region("32.73") == {"kode": "32.73", "nama": "Kota Bandung", "kecamatan": 30,
                                       "desa_kelurahan": 151}
    assert refdata.region(" 12.21 ")["nama"] == "Kabupaten Padang Lawas"


def test_the_loaders_run_for_every_service_then_the_nomenclature_and_stop_at_the_first_failure():
    calls = []
    assert refdata.load("32.73", "sipd-2027", load_region=lambda argv, s: calls.append((s, argv)) or 0,
                        load_nomenklatur=lambda argv: calls.append(("renja-nomenklatur", argv)) or 0) == 0
    assert calls == [(s, ["--pemda", "32.73"]) for s in refdata.REGION_SERVICES] + [
        ("renja-nomenklatur", ["--versi", "sipd-2027"])]
    calls.clear()
    assert refdata.load("32.73", "sipd-2027", load_region=lambda argv, s: calls.append(s) or (1 if s == "pokir" else 0),
                        load_nomenklatur=lambda argv: calls.append("nomenklatur") or 0) == 1
    assert calls == ["musrenbang", "pokir"]


@pytest.mark.parametrize("code, message", [
    ("99.99", "Kode pemda 99.99 tidak ditemukan di data wilayah"),
    ("32", "Kode 32 adalah kode provinsi"),
    ("Bandung", "tidak sah"),
])
def test_a_bad_code_is_refused_before_any_database_or_file_is_touched(tmp_path, monkeypatch, code, message):
    monkeypatch.setattr(refdata, "load", lambda *a, **k: pytest.fail("a loader ran"))
    err = io.StringIO()
    password_file = tmp_path / "admin-password.txt"
    assert main(["--pemda", code, "--admin-password-file", str(password_file)], out=io.StringIO(), err=err) == 2
    assert message in err.getvalue() and "tidak ada yang diubah" in err.getvalue()
    assert not password_file.exists()


def test_a_missing_register_file_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(refdata, "load", lambda *a, **k: pytest.fail("a loader ran"))
    err = io.StringIO()
    assert main(["--pemda", "32.73", "--opd", str(tmp_path / "opd.csv")], out=io.StringIO(), err=err) == 2
    assert "opd.csv tidak ada" in err.getvalue()
