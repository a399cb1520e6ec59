"""`python -m eplanning_demo` (what `make demo` runs): play a complete planning year of the demo
pemda through the gateway's public API, in the order of the planning calendar (Permendagri
86/2017), and print each RKPD version (rancangan awal, rancangan, rancangan akhir, penetapan) with
its content hash as it appears.

    python -m eplanning_demo --gateway http://127.0.0.1:8080 --seed 1 --scale 1 --tahun 2027 \\
        --admin-password-file var/admin-password.txt

The same seed on fresh databases gives the same RKPD content hashes. --scale 10 gives a
province-sized cycle (~16,000 usulan). --kecamatan / --desa-per-kecamatan / --opd / --anggota play
a smaller territory (tests). Exit status: 0 done, 1 failed (the message says where and why),
3 the cycle year already has data (run `make demo-reset`), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .client import Api, ApiError
from .cycle import NOMENKLATUR, AlreadyPlayed, Cycle, DemoError
from .plan import TAHUN, Territory, build_plan, load_reference

DEFAULT_USER_PASSWORD = "padang-lawas-demo"


def _codes(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(c.strip() for c in text.split(",") if c.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eplanning_demo", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
                        help="the gateway's base URL (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same cycle (default 1)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies usulan and pokir: 1 = ~1,600 usulan, 10 = ~16,000 (default 1)")
    parser.add_argument("--tahun", type=int, default=TAHUN, help="plan year (default %(default)s)")
    parser.add_argument("--admin-password-file", default="var/admin-password.txt",
                        help="the bootstrap administrator's password (GATEWAY_ADMIN_PASSWORD wins when set)")
    parser.add_argument("--admin-user", default=os.environ.get("GATEWAY_ADMIN_USERNAME", "admin"))
    parser.add_argument("--user-password", default=DEFAULT_USER_PASSWORD,
                        help="the password every demo user gets (default %(default)s)")
    parser.add_argument("--workers", type=int, default=8, help="parallel requests (default 8)")
    parser.add_argument("--nomenklatur", default=NOMENKLATUR, help="nomenclature version to pin (default %(default)s)")
    parser.add_argument("--data-dir", type=Path, help="reference data (default: the clone's data/)")
    parser.add_argument("--kecamatan", help="only these kecamatan (comma-separated codes)")
    parser.add_argument("--desa-per-kecamatan", type=int, help="only the first N desa of each kecamatan")
    parser.add_argument("--opd", help="the OPD register to import: only these OPD (comma-separated codes)")
    parser.add_argument("--anggota", help="only these DPRD members enter pokir (comma-separated ids)")
    parser.add_argument("--no-publish", action="store_true", help=argparse.SUPPRESS)  # kept for old scripts
    parser.add_argument("--rkpd-timeout", type=float, default=600.0, help="seconds to wait for the RKPD")
    parser.add_argument("--result-json", type=Path, help="write the ids, URLs and hashes of the run here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be > 0")
    return args


def admin_password(args: argparse.Namespace) -> str:
    explicit = os.environ.get("GATEWAY_ADMIN_PASSWORD")
    if explicit:
        return explicit
    path = Path(args.admin_password_file)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DemoError(f"cannot read the administrator's password from {path} ({exc.strerror}); "
                        "run `make up` first or set GATEWAY_ADMIN_PASSWORD") from exc


def report(result, out) -> None:
    print(file=out)
    print(f"RKPD {result.pemda} {result.tahun}, in the calendar's order:", file=out)
    for versi, v in result.versions.items():
        print(f"  {versi:<16} version {v['nomor']}  content hash {v['content_hash']}", file=out)
    final = result.versions.get("penetapan")
    if final:
        for fmt, f in final["files"].items():
            print(f"  {fmt:<5} {f['url']}  sha256 {f['sha256']}  (Bappeda login)", file=out)
    published = result.published
    if published:
        print(f"Published ({published['versi']}): version {published['nomor']}, index {published['index']}", file=out)
        for fmt, f in published["files"].items():
            print(f"  {fmt:<5} {f['url']}  sha256 {f['sha256']}", file=out)
    print(f"{result.requests} requests ({result.retries} retried, {result.server_errors} of them after a 500) "
          f"in {result.seconds:.1f} s; stages: "
          + ", ".join(f"{k} {v:.1f}s" for k, v in result.stages.items()), file=out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = sys.stdout
    progress = None if args.quiet else out
    try:
        territory = Territory(kecamatan=_codes(args.kecamatan), desa_per_kecamatan=args.desa_per_kecamatan,
                              opd=_codes(args.opd), anggota=_codes(args.anggota))
        plan = build_plan(load_reference(args.data_dir), seed=args.seed, scale=args.scale, territory=territory,
                          tahun=args.tahun)
        api = Api(args.gateway, pool_size=max(16, args.workers * 2))
        cycle = Cycle(api, plan, admin_password=admin_password(args), user_password=args.user_password,
                      admin_user=args.admin_user, workers=args.workers, out=progress, rkpd_timeout=args.rkpd_timeout,
                      publish=not args.no_publish, nomenklatur=args.nomenklatur)
        result = cycle.run()
    except AlreadyPlayed as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 3
    except (DemoError, ApiError, ValueError) as exc:
        print(f"demo: failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo: interrupted; the cycle year now has partial data (`make demo-reset` to start over)",
              file=sys.stderr)
        return 130
    if args.result_json:
        args.result_json.write_text(json.dumps(result.as_json(), indent=1, ensure_ascii=False), encoding="utf-8")
    report(result, out)
    if result.problems:
        print(f"demo: the RKPD does not agree with the cycle played ({len(result.problems)} problems):",
              file=sys.stderr)
        for problem in result.problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Every demo user's password is {args.user_password!r} (e.g. bappeda, setwan, "
          f"{plan.users[2].username}, {plan.users[-1].username}).", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
