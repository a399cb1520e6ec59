"""`eplanning-onboard --pemda 32.73 [--tahun 2027] [--registers DIR]`: put one pemda into this
deployment, in four steps, each idempotent (a second run changes nothing):

 1. its region tree (kab/kota, kecamatan, desa/kelurahan) from the shipped Kemendagri codes
    (data/wilayah_indonesia.csv) into musrenbang, pokir, renja and rkpd, and the nomenclature
    version (--nomenklatur) into renja; an unknown code is refused before anything is written;
 2. its first administrator in the gateway (--admin-username, default admin.<pemda>), whose
    password is the content of --admin-password-file (created, mode 600, with a generated password
    when missing; on Kubernetes a Secret). The password is never printed;
 3. the onboarding's Bappeda account onboard.<pemda>, created by that administrator through the API;
 4. the pemda's own registers through the gateway's /v1 API: OPD list, DPRD register (dapil,
    members, staf ahli) and kamus usulan of --tahun (file names: eplanning_onboard.registers).

Needs the databases (<SERVICE>_DATABASE_URL, GATEWAY_DATABASE_URL, migrated) and the gateway
(--gateway, GATEWAY_URL). Exit status: 0 onboarded, 1 a database or the gateway not ready,
2 bad input (unknown region code, unusable file, a register the API refused: every error printed).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import credentials, refdata
from .registers import RegisterError, find_files

DEFAULT_NOMENKLATUR = "sipd-2027"
DEFAULT_PERIODE = "2024-2029"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="eplanning-onboard", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--pemda", required=True, help="kode kabupaten/kota Kemendagri, mis. 12.21 atau 32.73")
    parser.add_argument("--tahun", type=int, help="tahun rencana kamus usulan (tanpa ini kamus dilewati)")
    parser.add_argument("--registers", type=Path, help="folder berkas daftar: opd_<pemda>.csv, dprd_dapil_<pemda>.csv, "
                        "dprd_anggota_<pemda>.csv, dprd_staf_ahli_<pemda>.csv, kamus_usulan_<pemda>_<tahun>.csv")
    parser.add_argument("--opd", type=Path, help="berkas daftar OPD (menggantikan yang di --registers)")
    parser.add_argument("--dprd-dapil", type=Path)
    parser.add_argument("--dprd-anggota", type=Path)
    parser.add_argument("--dprd-staf-ahli", type=Path)
    parser.add_argument("--kamus", type=Path, help="berkas kamus usulan tahun --tahun")
    parser.add_argument("--periode", default=DEFAULT_PERIODE, help="masa jabatan DPRD (bawaan %(default)s)")
    parser.add_argument("--nomenklatur", default=DEFAULT_NOMENKLATUR, help="versi nomenklatur (bawaan %(default)s)")
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
                        help="URL gateway (GATEWAY_URL; bawaan %(default)s)")
    parser.add_argument("--admin-username", help="administrator pertama pemda (bawaan admin.<pemda>)")
    parser.add_argument("--admin-password-file", type=Path,
                        help="berkas kata sandi administrator (bawaan var/onboard/<pemda>/admin-password.txt)")
    parser.add_argument("--wait", type=float, default=180.0, help="detik menunggu gateway siap (bawaan %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    args = parse_args(argv)

    def fail(code: int, message: str) -> int:
        print(f"eplanning-onboard: {message}", file=err, flush=True)
        return code

    # 0. everything that can be checked before writing anything
    try:
        region = refdata.region(args.pemda)
    except (ValueError, FileNotFoundError) as exc:
        return fail(2, f"{exc}; tidak ada yang diubah")
    pemda = region["kode"]
    try:
        files = find_files(pemda, args.tahun, args.registers,
                           {"opd": args.opd, "dapil": args.dprd_dapil, "anggota": args.dprd_anggota,
                            "staf_ahli": args.dprd_staf_ahli, "kamus": args.kamus})
    except RegisterError as exc:
        return fail(2, f"{exc}; tidak ada yang diubah")
    username = (args.admin_username or f"admin.{pemda}").strip().lower()
    password_file = args.admin_password_file or Path("var") / "onboard" / pemda / "admin-password.txt"
    print(f"onboarding {region['nama']} ({pemda}): {region['kecamatan']} kecamatan, "
          f"{region['desa_kelurahan']} desa/kelurahan", file=out, flush=True)

    # 1. reference data, through each service's own loader
    code = refdata.load(pemda, args.nomenklatur)
    if code:
        return fail(code, "data referensi belum dimuat (pesan di atas)")

    # 2. the first administrator, in the gateway's own database
    try:
        password, created = credentials.admin_password(password_file)
    except credentials.CredentialError as exc:
        return fail(2, str(exc))
    if credentials.too_open(password_file):
        print(f"eplanning-onboard: PERINGATAN: {password_file} dapat dibaca semua akun (chmod 600)", file=err)
    from gateway import settings as gateway_settings
    from gateway.auth.bootstrap import ensure_pemda_admin
    from gateway.auth.store import SqlAuthStore

    store = SqlAuthStore.from_url(gateway_settings.database_url())
    try:
        admin = ensure_pemda_admin(store, pemda=pemda, username=username, password=password)
    except ValueError as exc:
        return fail(2, str(exc))
    except Exception as exc:  # the gateway database down or not migrated
        return fail(1, f"basis data gateway tidak siap ({type(exc).__name__}); jalankan gateway-migrate")
    finally:
        store.dispose()
    where = "dibuat" if admin.created else "sudah ada, tidak berubah"
    print(f"administrator {username} (pemda {pemda}): {where}; kata sandinya di {password_file}"
          + (" (baru dibuat, mode 600)" if created else ""), file=out, flush=True)

    # 3. and 4. through the API
    from .api_steps import (Api, ApiError, GatewayNotReady, Report, ensure_onboard_user, import_registers,
                            sign_in, wait_ready)

    api = Api(args.gateway, max_attempts=6)
    report = Report()
    try:
        wait_ready(api, args.wait)
        if not sign_in(api, username, password, pemda):
            return fail(2, f"administrator {username} ada, tetapi kata sandi di {password_file} tidak cocok "
                           "(diganti lewat /v1/auth/password?): tulis kata sandinya yang berlaku ke berkas itu")
        user = ensure_onboard_user(api, username, pemda, credentials.onboarding_password(password, pemda), report)
        import_registers(api, user, files, tahun=args.tahun, periode=args.periode, nomenklatur=args.nomenklatur,
                         report=report)
    except GatewayNotReady as exc:
        return fail(1, str(exc))
    except RegisterError as exc:
        return fail(2, str(exc))
    except ApiError as exc:
        _print_problem(exc, err)
        refused = exc.status is not None and 400 <= exc.status < 500  # bad input; else not ready (retry)
        return fail(2 if refused else 1, "impor dihentikan; yang sudah selesai tetap tersimpan, "
                                         "perbaiki lalu jalankan lagi")
    finally:
        for what, outcome in report.lines:
            print(f"  {what}: {outcome}", file=out, flush=True)
    print(f"selesai: {region['nama']} ({pemda}) siap; masuk sebagai {username} untuk membuat pengguna lain",
          file=out, flush=True)
    return 0


def _print_problem(exc, err) -> None:
    problem = exc.problem or {}
    print(f"eplanning-onboard: {exc.method} {exc.path} -> {exc.status}: "
          f"{problem.get('detail') or problem.get('title') or ''}", file=err)
    for e in problem.get("errors") or []:
        # a CSV row error names its line in the field: csv[4].bidang (line 1 is the header)
        print(f"  {e.get('field')}: {e.get('message')} ({e.get('code')})", file=err)


if __name__ == "__main__":
    sys.exit(main())
