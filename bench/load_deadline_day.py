"""Load test: deadline day of the Musrenbang desa — every desa operator of a regency submits usulan
at once through the gateway.

    make up && make load                                        # 304 clients (every desa of 12.21), 60 s
    .venv/bin/python bench/load_deadline_day.py [--clients 304] [--seconds 60] [--think-ms 0]
                                                [--invalid-every 25] [--out var/bench/deadline_day.json]

It needs the running stack (`make up`) and starts nothing: when /readyz of the gateway does not answer
200 it says so and exits with status 2.

Setup, all through the gateway's REST API as a person would do it:
  * as the bootstrap administrator (password in var/admin-password.txt, or GATEWAY_ADMIN_PASSWORD),
    one desa operator `load.desa.<kode desa>` per desa of the pemda (data/wilayah_indonesia.csv; 304 for
    12.21), created or given a fresh password, and a Bappeda user `load.bappeda`;
  * as Bappeda: the kamus usulan of the year imported when missing (data/demo/), the Musrenbang schedule
    published when there is none, or the desa window reopened / extended with a reason when it is closed
    or closes within ten minutes;
  * each operator logs in: one access token per client.

The load: `--clients` concurrent clients (client i = operator of desa i, its own token and its own desa),
each in a closed loop for `--seconds` (optionally pausing 0..--think-ms between two requests), each
request `POST /v1/musrenbang/{tahun}/usulan` with its own Idempotency-Key. One request in
`--invalid-every` is a refusal provoked on purpose, alternately
  schema   an usulan without `gagasan`: refused by the gateway's input schema (422), and
  domain   an usulan for a kamus item that does not exist: refused by the Musrenbang service (422
           through the RPC),
to prove that refusals under load stay 4xx and never become 5xx. The load generator is the one of
bench/bench_gateway.py (worker processes running threads with http.client). Requests still in flight
at the end are waited for and counted.

Every answer is classified:
  ok             2xx for a valid usulan;
  intended_4xx   the expected 422 for a provoked refusal;
  errors         everything else: 5xx, a timeout (--timeout, default 30 s), a connection error, a 4xx
                 for a valid usulan, a provoked refusal answered with anything but 422 (a 2xx included).
The report gives throughput (2xx per second and all answers per second), latency p50/p90/p99/max of
every answer, the status counts per kind of request, the errors, and the CPU used per process group.
Writes JSON to --out and Markdown beside it (--md). Exit status 0 when there was no error, 3 when there
were errors, 2 when the stack is not running, 1 when the setup failed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import (PEMDA, Api, BenchError, admin_password, check_gateway, desa_codes,  # noqa: E402
                           gunicorn_workers, prepare_cycle, run_phase, usulan_body)
from common import GATEWAY_MARKER, ROOT, git_commit, machine, md_table, write_report  # noqa: E402

OPERATOR_PREFIX = "load.desa."
BAPPEDA_USER = "load.bappeda"
REASON = "Uji beban hari tenggat Musrenbang desa (bench/load_deadline_day.py)"
UNKNOWN_KAMUS = "ZZZ-99"
INTENDED = {"schema": 422, "domain": 422}  # provoked refusal -> the status it must get


# -- setup ----------------------------------------------------------------------------------------------

def existing_users(api: Api, admin: str, role: str) -> dict[str, dict]:
    """username -> user, every user of `role` in the administrator's pemda (pages of 200)."""
    found, offset = {}, 0
    while True:
        page = api.expect(200, "GET", f"/v1/admin/users?role={role}&limit=200&offset={offset}", token=admin)
        for user in page["items"]:
            found[user["username"]] = user
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return found


def ensure_users(api: Api, admin: str, wanted: list[tuple[str, str, dict]], parallel: int) -> dict[str, str]:
    """Create each (username, role, scope) with a fresh password, or give the existing user that
    password (and the scope, active again). Returns username -> password."""
    existing = {}
    for role in {role for _, role, _ in wanted}:
        existing.update(existing_users(api, admin, role))
    passwords = {username: "load-" + uuid.uuid4().hex for username, _, _ in wanted}

    def one(item):
        username, role, scope = item
        password = passwords[username]
        user = existing.get(username)
        if user is None:
            status, _, data = api.request("POST", "/v1/admin/users", token=admin,
                                          json_body={"username": username, "password": password, "role": role, **scope})
            if status == 201:
                return
            raise BenchError(f"creating {username} answered {status}: {json.dumps(data)[:400]}")
        if user.get("role") != role:
            raise BenchError(f"user {username} exists with role {user.get('role')}, not {role}: delete or rename it")
        api.expect(200, "PATCH", f"/v1/admin/users/{user['id']}", token=admin,
                   json_body={"password": password, "active": True, **scope})

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, wanted))
    return passwords


def login_all(api: Api, passwords: dict[str, str], parallel: int) -> dict[str, str]:
    with ThreadPoolExecutor(parallel) as pool:
        tokens = pool.map(lambda item: (item[0], api.login(*item)), passwords.items())
        return dict(tokens)


def request_bodies(desa: str, tahun: int) -> dict[str, bytes]:
    valid = usulan_body(desa, tahun, 0)
    valid["gagasan"] = valid["gagasan"].replace("(benchmark 0)", "(uji beban __N__)")
    schema = {k: v for k, v in valid.items() if k != "gagasan"}
    domain = {**valid, "kamus_item_id": f"{PEMDA}/{tahun}/{UNKNOWN_KAMUS}"}
    return {name: json.dumps(body).encode() for name, body in
            (("valid", valid), ("schema", schema), ("domain", domain))}


def request_mix(invalid_every: int) -> list[str]:
    """The variants each client sends in turn: two provoked refusals (schema, domain) in every
    2 x invalid_every requests; 0 means none."""
    if invalid_every <= 0:
        return ["valid"]
    return ["valid"] * (invalid_every - 1) + ["schema"] + ["valid"] * (invalid_every - 1) + ["domain"]


# -- classification ----------------------------------------------------------------------------------------

def classify(by_variant: dict[str, dict[str, int]]) -> dict:
    """Split every answer (and every failed request) into ok / intended_4xx / errors by kind."""
    ok = intended = 0
    errors: dict[str, int] = {}

    def error(kind: str, count: int) -> None:
        errors[kind] = errors.get(kind, 0) + count

    for variant, outcomes in by_variant.items():
        for outcome, count in outcomes.items():
            if not outcome.isdigit():  # an exception name from the client: no answer at all
                error("timeout" if "timeout" in outcome.lower() else f"connection error ({outcome})", count)
                continue
            status = int(outcome)
            if variant == "valid":
                if 200 <= status < 300:
                    ok += count
                elif status >= 500:
                    error(f"{status} on a valid usulan", count)
                else:
                    error(f"unexpected {status} on a valid usulan", count)
            elif status == INTENDED[variant]:
                intended += count
            elif status >= 500:
                error(f"{status} on a provoked {variant} refusal", count)
            else:
                error(f"{status} instead of {INTENDED[variant]} on a provoked {variant} refusal", count)
    server_errors = sum(c for outcomes in by_variant.values() for o, c in outcomes.items() if o.isdigit() and int(o) >= 500)
    return {"ok": ok, "intended_4xx": intended, "errors": sum(errors.values()), "server_errors_5xx": server_errors,
            "error_kinds": dict(sorted(errors.items()))}


# -- report ------------------------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    p, c, m = result["phase"], result["classification"], result["machine"]
    lat = p["latency_ms"]
    lines = [
        "# Deadline day: desa operators submitting usulan",
        "",
        f"Measured {result['measured_at']} on {m['cpus']} CPUs ({m['platform']}, Python {m['python']}), commit "
        f"{result['commit']['short']}{' (uncommitted changes)' if result['commit']['dirty'] else ''}. "
        f"{p['clients']} concurrent clients (one desa operator each, pemda {result['pemda']}, tahun {result['tahun']}), "
        f"{result['seconds']:g} s, think time 0..{result['think_ms']:g} ms, one provoked refusal in "
        f"{result['invalid_every'] or '∞'} requests; every request with its own Idempotency-Key. "
        f"Gateway: {result['stack']['gateway_workers']} gunicorn sync workers.",
        "",
        *md_table(["answers", "2xx", "intended 4xx", "errors", "5xx", "2xx/s", "answers/s", "p50 ms", "p90 ms",
                   "p99 ms", "max ms"],
                  [[p["requests"] + sum(p["connection_errors"].values()), c["ok"], c["intended_4xx"], c["errors"],
                    c["server_errors_5xx"], p["requests_per_second"], p["all_requests_per_second"], lat["p50"],
                    lat["p90"], lat["p99"], lat["max"]]], right=set(range(11))),
        "",
        "Status counts per kind of request (valid usulan; provoked refusals: `schema` without gagasan, "
        "`domain` with an unknown kamus item, both expected 422):",
        "",
        *md_table(["request", "outcomes"],
                  [[variant, ", ".join(f"{k}: {v}" for k, v in outcomes.items())]
                   for variant, outcomes in p["by_variant"].items()]),
        "",
    ]
    if c["error_kinds"]:
        lines += ["Errors:", "", *[f"* {kind}: {count}" for kind, count in c["error_kinds"].items()], ""]
    else:
        lines += ["Errors: none (no 5xx, no timeout, no connection error, no unexpected 4xx).", ""]
    cpu = p["cpu_in_use"]
    groups = [g for g in cpu if cpu[g]]
    lines += ["CPUs in use during the run (1.0 = one core busy; *other*: processes outside the stack):", "",
              *md_table(groups, [[cpu[g] for g in groups]], right=set(range(len(groups)))), ""]
    rate = p["all_requests_per_second"]
    if not result["think_ms"] and rate:
        lines += [f"With {p['clients']} clients in a closed loop and no think time, a request waits about clients / "
                  f"throughput = {p['clients'] / rate:.1f} s (mean latency {lat['mean'] / 1000:.1f} s): most of the "
                  "latency is the queue in front of the gateway's workers, not their work.", ""]
    lines += ["Latencies are per request, from sending to the last byte of the answer, for every answer; "
              "2xx/s counts created usulan. The load generator runs on the same machine as the stack.", ""]
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--clients", type=int, default=None,
                        help="concurrent clients, one desa each (default: every desa of the pemda, 304 for 12.21)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="random pause of 0..N ms between two requests of a client (default 0)")
    parser.add_argument("--invalid-every", type=int, default=25,
                        help="one request in N is a provoked refusal (schema, domain alternately); 0: none")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as timed out")
    parser.add_argument("--processes", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                        help="load-generator processes the clients are spread over")
    parser.add_argument("--tahun", type=int, default=2027)
    parser.add_argument("--setup-parallel", type=int, default=8, help="parallel requests while creating users")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "deadline_day.json"))
    parser.add_argument("--md", default=None, help="Markdown report (default: --out with .md)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.timeout <= 0 or args.invalid_every < 0 or args.think_ms < 0:
        parser.error("--seconds and --timeout must be positive, --invalid-every and --think-ms not negative")

    api = Api(args.url)
    check_gateway(api, "load_deadline_day", "make load")
    desa = desa_codes(PEMDA)
    clients = args.clients or len(desa)
    if not 1 <= clients <= len(desa):
        parser.error(f"--clients must be between 1 and {len(desa)} (the desa of {PEMDA})")
    desa = desa[:clients]
    try:
        t0 = time.monotonic()
        admin = api.login(os.environ.get("GATEWAY_ADMIN_USERNAME", "admin"), admin_password())
        wanted = [(BAPPEDA_USER, "bappeda", {})] + [(OPERATOR_PREFIX + d, "operator_desa", {"wilayah": d}) for d in desa]
        passwords = ensure_users(api, admin, wanted, args.setup_parallel)
        bappeda = api.login(BAPPEDA_USER, passwords.pop(BAPPEDA_USER))
        prepared = prepare_cycle(api, bappeda, args.tahun, reason=REASON)
        tokens = login_all(api, passwords, args.setup_parallel)
        setup_seconds = round(time.monotonic() - t0, 1)
    except (BenchError, OSError, http.client.HTTPException) as exc:
        print(f"load_deadline_day: setup failed: {exc!r} (the stack restarted meanwhile? see var/log/stack.log)",
              file=sys.stderr)
        return 1
    print(f"setup: {clients} desa operators logged in, {prepared or 'kamus and desa window already in place'} "
          f"({setup_seconds} s)", flush=True)

    per_client = [{"headers": {"Authorization": f"Bearer {tokens[OPERATOR_PREFIX + d]}"},
                   "bodies": request_bodies(d, args.tahun)} for d in desa]
    mix = request_mix(args.invalid_every)
    print(f"{clients} clients for {args.seconds:g} s ...", flush=True)
    phase = run_phase(
        "deadline", api.host, api.port, "POST", f"/v1/musrenbang/{args.tahun}/usulan",
        headers={"Content-Type": "application/json", "Accept": "application/json", "Accept-Language": "en"},
        clients=clients, seconds=args.seconds, warmup=0.0, processes=args.processes, idempotency_key=True,
        unique_body=True, per_client=per_client, mix=mix, think_ms=args.think_ms, timeout=args.timeout,
        count_tail=True)
    classification = classify(phase["by_variant"])
    _, gateway_workers = gunicorn_workers(GATEWAY_MARKER, api.port)
    result = {
        "benchmark": "deadline_day", "gateway_url": args.url, "pemda": PEMDA, "tahun": args.tahun,
        "clients": clients, "seconds": args.seconds, "think_ms": args.think_ms, "invalid_every": args.invalid_every,
        "timeout_seconds": args.timeout, "setup": {"seconds": setup_seconds, **prepared},
        "classification": classification, "phase": phase,
        "stack": {"gateway_workers": gateway_workers},
        "machine": machine(), "commit": git_commit(),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    out, md = write_report(result, args.out, args.md, markdown)
    lat = phase["latency_ms"]
    print(f"{classification['ok']} usulan created ({phase['requests_per_second']} per second), "
          f"{classification['intended_4xx']} intended 4xx, {classification['errors']} errors "
          f"{classification['error_kinds'] or ''}; p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms")
    print(f"written to {out} and {md}")
    return 3 if classification["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
