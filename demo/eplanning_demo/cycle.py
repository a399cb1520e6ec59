"""Plays a plan (`eplanning_demo.plan`) through the gateway's /v1 API, stage by stage, never
touching a database:

 1. users for every role (the administrator creates them), except the OPD and DPRD users;
 2. Bappeda's set-up: kamus (Musrenbang and Pokir), schedule, scoring criteria, pokir window, OPD
    register, nomenclature pin, ceilings; Setwan imports the DPRD register; then the OPD and DPRD
    users (the gateway refuses a user whose OPD or member is not in its register yet);
 3. Musrenbang desa: every usulan created (an Idempotency-Key each), a few withdrawn, each decided
    by its desa;
 4. Pokir: reses, pokir, submitted by the member or staf ahli, recommended and delivered by Setwan
    (delivered pokir go to their OPD's Renja inbox);
 5. the kecamatan forums: scores, decisions (rejections and merges with reasons), berita acara;
 6. Musrenbang kabupaten: Bappeda decides, closes the stage (accepted usulan go to the inboxes);
 7. Renja: each OPD's rows, its decision on every inbox item (accommodate into a new or existing
    row, reject, re-route), submit, Bappeda's return / verify / finalize, the stage close;
 8. the Pokir stage close once every pokir's follow-up arrived;
 9. the RKPD, which the system assembles by itself: wait for it, promote it to "rancangan"
    (published), and report the URLs and hashes.

Independent calls run in parallel (a thread pool); every stage prints progress lines with counts
and rates. A cycle year that already has a schedule is refused (`AlreadyPlayed`): it cannot be
replayed on the same databases.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, TextIO

from .client import Api, ApiError, Unavailable
from .plan import ACCOMMODATE, REJECT, REROUTE, DIGABUNG, FollowUp, Plan, Pokir, Usulan

ADMIN = "admin"
PERIODE = "2024-2029"
NOMENKLATUR = "sipd-2027"
WITHDRAW_REASON = "Sudah tertampung dalam APBDes tahun berjalan"
POKIR_DELIVERED = ("disampaikan", "didisposisikan", "diakomodasi", "tidak diakomodasi")
POKIR_FINAL = ("diakomodasi", "tidak diakomodasi")
INBOX_DECISION = {ACCOMMODATE: "diakomodasi", REJECT: "ditolak", REROUTE: "dialihkan"}
# roles whose scope must be in a register (Renja's OPD list, Pokir's DPRD register) before the user is made
REGISTER_ROLES = ("opd", "anggota_dprd", "staf_ahli")


class DemoError(Exception):
    """The cycle could not be played (the message says where and why)."""


class AlreadyPlayed(DemoError):
    """The cycle year already has data on these databases."""


@dataclass
class Result:
    gateway: str
    pemda: str
    tahun: int
    seed: int
    scale: float
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    usulan: dict[int, dict] = field(default_factory=dict)  # n -> {id, tracking_code}
    pokir: dict[int, str] = field(default_factory=dict)  # n -> id
    reses: dict[str, str] = field(default_factory=dict)  # key -> id
    rows: dict[str, str] = field(default_factory=dict)  # plan row key -> row id
    rkpd: dict = field(default_factory=dict)  # the assembled version: nomor, versi, content_hash, files
    published: dict = field(default_factory=dict)  # the promoted version, with its public URLs
    problems: list[str] = field(default_factory=list)  # what the final check found wrong
    requests: int = 0
    retries: int = 0
    server_errors: int = 0

    def as_json(self) -> dict:
        return {"gateway": self.gateway, "pemda": self.pemda, "tahun": self.tahun, "seed": self.seed,
                "scale": self.scale, "seconds": round(self.seconds, 1),
                "stages": {k: round(v, 1) for k, v in self.stages.items()},
                "usulan": {str(k): v for k, v in self.usulan.items()},
                "pokir": {str(k): v for k, v in self.pokir.items()},
                "reses": self.reses, "rows": self.rows, "rkpd": self.rkpd, "published": self.published,
                "problems": self.problems, "requests": self.requests, "retries": self.retries,
                "server_errors": self.server_errors}


class Cycle:
    def __init__(self, api: Api, plan: Plan, *, admin_password: str, user_password: str, admin_user: str = ADMIN,
                 workers: int = 8, out: TextIO | None = sys.stdout, rkpd_timeout: float = 600.0,
                 publish: bool = True, nomenklatur: str = NOMENKLATUR, now: Callable[[], datetime] | None = None):
        self.api, self.plan = api, plan
        self.admin = admin_user
        self.admin_password, self.user_password = admin_password, user_password
        self.workers = max(1, workers)
        self.out = out
        self.rkpd_timeout = rkpd_timeout
        self.publish = publish
        self.nomenklatur = nomenklatur
        self.now = now or (lambda: datetime.now(timezone.utc))
        self.t = plan.tahun
        self.result = Result(api.base_url, plan.pemda, plan.tahun, plan.seed, plan.scale)
        self._start = time.monotonic()
        self._user_ids: dict[str, str] | None = None
        self._user_ids_lock = threading.Lock()

    # -- output ----------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if self.out is not None:
            print(f"[{time.monotonic() - self._start:7.1f}s] {text}", file=self.out, flush=True)

    def _parallel(self, label: str, items: Iterable, fn: Callable[[Any], Any]) -> list:
        """fn over items on the thread pool, in any order; progress every 2 s; the first error
        stops the stage (what is still queued is cancelled)."""
        items = list(items)
        total = len(items)
        if not total:
            self.say(f"{label}: nothing to do")
            return []
        results: list = [None] * total
        started = last = time.monotonic()
        done = 0
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="demo") as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            try:
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    done += 1
                    now = time.monotonic()
                    if now - last >= 2 or done == total:
                        rate = done / max(now - started, 1e-6)
                        self.say(f"{label}: {done}/{total} ({rate:.1f}/s)")
                        last = now
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return results

    def _stage(self, name: str, fn: Callable[[], None]) -> None:
        started = time.monotonic()
        fn()
        self.result.stages[name] = time.monotonic() - started

    # -- the whole cycle ---------------------------------------------------------------------
    def run(self) -> Result:
        plan = self.plan
        s = plan.summary()
        self.say(f"plan: {plan.pemda_nama} ({plan.pemda}) {plan.tahun}, seed {plan.seed}, scale {plan.scale:g}: "
                 f"{s['kecamatan']} kecamatan, {s['desa']} desa, {s['usulan']} usulan, {s['members']} DPRD members "
                 f"with {s['pokir']} pokir, {s['opd']} OPD, {s['rows']} renja rows, {s['users']} users")
        self._stage("preflight", self.preflight)
        self._stage("users", self.users)
        self._stage("setup", self.setup)
        self._stage("musrenbang_desa", self.musrenbang_desa)
        self._stage("pokir", self.pokir)
        self._stage("musrenbang_kecamatan", self.musrenbang_kecamatan)
        self._stage("musrenbang_kabupaten", self.musrenbang_kabupaten)
        self._stage("renja", self.renja)
        self._stage("pokir_close", self.pokir_close)
        self._stage("rkpd", self.rkpd)
        self.result.seconds = time.monotonic() - self._start
        stats = self.api.stats
        self.result.requests, self.result.retries, self.result.server_errors = (stats.requests, stats.retries,
                                                                                stats.server_errors)
        return self.result

    # -- 0. the gateway answers, the administrator signs in ----------------------------------
    def preflight(self) -> None:
        try:
            self.api.call(None, "GET", "/readyz", attempts=3)
        except Unavailable as exc:
            if exc.status == 503:
                raise DemoError(f"the gateway at {self.api.base_url} is not ready: "
                                f"{json.dumps(exc.problem, ensure_ascii=False)[:500]}") from exc
            raise DemoError(f"the gateway at {self.api.base_url} does not answer ({exc}); is the stack up "
                            "(`make up`)?") from exc
        self.api.register(self.admin, self.admin_password)
        try:
            me = self.api.get(self.admin, "/v1/auth/me")
        except ApiError as exc:
            raise DemoError(f"the administrator {self.admin!r} cannot sign in ({exc}); check the password "
                            "(var/admin-password.txt or GATEWAY_ADMIN_PASSWORD)") from exc
        if me.get("pemda") not in (None, self.plan.pemda):
            raise DemoError(f"the administrator belongs to pemda {me.get('pemda')}, the plan to {self.plan.pemda}")

    # -- 1. users ----------------------------------------------------------------------------
    def users(self) -> None:
        bappeda = next(u for u in self.plan.users if u.role == "bappeda")
        self._ensure_user(bappeda)
        self.api.register(bappeda.username, self.user_password)
        schedule = self.api.call(bappeda.username, "GET", f"/v1/musrenbang/{self.t}/schedule", expect=(200, 404))
        if schedule.status == 200:
            raise AlreadyPlayed(
                f"the {self.t} cycle of pemda {self.plan.pemda} already has data on this stack (its Musrenbang "
                f"schedule exists): a cycle cannot be replayed on the same databases. Run `make demo-reset` "
                f"(drops and recreates the databases) and then `make demo` again.")
        # an OPD or DPRD user is refused until its register holds it (the gateway checks every
        # scope): those are created in the set-up, once the registers are imported
        others = [u for u in self.plan.users if u is not bappeda and u.role not in REGISTER_ROLES]
        self._create_users("users created", others)

    def _create_users(self, label: str, users: list) -> None:
        self._parallel(label, users, self._ensure_user)
        for user in users:
            self.api.register(user.username, self.user_password)

    def _ensure_user(self, user) -> None:
        body = {"username": user.username, "password": self.user_password, "role": user.role, **user.scope()}
        reply = self.api.call(self.admin, "POST", "/v1/admin/users", body, expect=(201, 409))
        if reply.status == 201:
            return
        if (reply.json or {}).get("code") != "username_taken":
            raise ApiError("POST", "/v1/admin/users", 409, reply.json, user=self.admin)
        # a user of an earlier demo: give it this run's password, role and scope
        user_id = self._user_id(user.username)
        patch = {"password": self.user_password, "role": user.role, "active": True,
                 "wilayah": user.wilayah, "opd": user.opd, "anggota_id": user.anggota_id}
        self.api.call(self.admin, "PATCH", f"/v1/admin/users/{user_id}", patch)

    def _user_id(self, username: str) -> str:
        with self._user_ids_lock:
            if self._user_ids is None:
                ids, offset = {}, 0
                while True:
                    page = self.api.get(self.admin, f"/v1/admin/users?limit=200&offset={offset}")
                    ids.update({u["username"]: u["id"] for u in page["items"]})
                    offset += len(page["items"])
                    if not page["items"] or offset >= page.get("total", 0):
                        break
                self._user_ids = ids
            return self._user_ids[username]

    # -- 2. set-up ---------------------------------------------------------------------------
    def setup(self) -> None:
        plan, t = self.plan, self.t
        kamus = plan.kamus_csv().encode()
        call = self.api.call
        call("bappeda", "PUT", f"/v1/musrenbang/{t}/kamus", raw=kamus, content_type="text/csv")
        call("bappeda", "PUT", f"/v1/pokir/{t}/kamus", raw=kamus, content_type="text/csv")
        self.say(f"setup: kamus usulan of {len(plan.kamus)} items imported (Musrenbang and Pokir)")
        now = self.now().replace(second=0, microsecond=0)
        opens, closes = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=30)).isoformat()
        windows = [{"level": level, "opens_at": opens, "closes_at": closes}
                   for level in ("desa", "kecamatan", "kabupaten")]
        call("bappeda", "PUT", f"/v1/musrenbang/{t}/schedule", {"windows": windows})
        call("bappeda", "PUT", f"/v1/musrenbang/{t}/criteria",
             {"criteria": [{"name": n, "weight": w, "max_score": m} for n, w, m in plan.criteria]})
        call("setwan", "PUT", "/v1/pokir/register", {"periode": PERIODE, **{f"{name}_csv": text for name, text in
                                                                             plan.register_csv.items()}})
        # the default window follows Musrenbang (closing a week before the kabupaten forum, which
        # opens today in this compressed calendar): Bappeda sets the pokir window explicitly
        call("bappeda", "PUT", f"/v1/pokir/{t}/window", {"opens_at": opens, "closes_at": closes})
        call("bappeda", "PUT", f"/v1/renja/opd?versi={self.nomenklatur}", raw=plan.opd_csv.encode(),
             content_type="text/csv")
        call("bappeda", "PUT", f"/v1/renja/{t}/nomenklatur", {"versi": self.nomenklatur})
        self.say("setup: schedule, criteria, DPRD register, pokir window, OPD register and nomenclature set")
        self._create_users("setup: OPD and DPRD users created (their registers hold them now)",
                           [u for u in plan.users if u.role in REGISTER_ROLES])
        self._parallel("setup: OPD ceilings", plan.ceilings, lambda c: call(
            "bappeda", "PUT", f"/v1/renja/{t}/opd/{c.opd}/pagu", {"pagu_n": str(c.pagu_n), "pagu_n1": str(c.pagu_n1)}))

    # -- 3. Musrenbang desa -----------------------------------------------------------------------
    def musrenbang_desa(self) -> None:
        plan, t = self.plan, self.t

        def create(u: Usulan) -> None:
            body = {"desa": u.desa, "kamus_item_id": plan.kamus_id(u.kamus), "volume": str(u.volume),
                    "permasalahan": u.permasalahan, "gagasan": u.gagasan, "pengusul": u.pengusul}
            created = self.api.create(plan.desa_user(u.desa), f"/v1/musrenbang/{t}/usulan", body, key=u.key)
            self.result.usulan[u.n] = {"id": created["id"], "tracking_code": created["tracking_code"]}

        self._parallel("musrenbang: usulan created", plan.usulan, create)

        def withdraw(u: Usulan) -> None:
            self.api.create(plan.desa_user(u.desa), f"{self._usulan_path(u)}/withdraw", {"reason": WITHDRAW_REASON},
                            key=f"{u.key}-withdraw", expect=(200,))

        self._parallel("musrenbang: usulan withdrawn by their desa", [u for u in plan.usulan if u.withdrawn],
                       withdraw)
        self._parallel("musrenbang: desa decisions", [u for u in plan.usulan if u.desa_decision],
                       lambda u: self._decide(u, "desa", plan.desa_user(u.desa)))

    def _usulan_path(self, u: Usulan) -> str:
        return f"/v1/musrenbang/usulan/{self.result.usulan[u.n]['id']}"

    def _decide(self, u: Usulan, level: str, user: str) -> None:
        decision = {"desa": u.desa_decision, "kecamatan": u.kecamatan_decision,
                    "kabupaten": u.kabupaten_decision}[level]
        body: dict = {"level": level, "status": decision.status}
        if decision.reason:
            body["reason"] = decision.reason
        if decision.revised_volume is not None:
            body["revised_volume"] = str(decision.revised_volume)
        if decision.merge_into is not None:
            body["merge_target_id"] = self.result.usulan[decision.merge_into]["id"]
        path = self._usulan_path(u)

        def applied(state: dict) -> bool:
            return any(d["level"] == level and d["status"] == decision.status for d in state.get("decisions", []))

        self.api.update(user, "POST", f"{path}/decisions", body, read=path, applied=applied)

    # -- 4. Pokir ------------------------------------------------------------------------------
    def pokir(self) -> None:
        plan, t = self.plan, self.t
        today = self.now().date()

        def record(r) -> None:
            body = {"tanggal": (today - timedelta(days=r.days_ago)).isoformat(), "tempat": r.tempat,
                    "jumlah_peserta": r.jumlah_peserta, "catatan": r.catatan}
            self.result.reses[r.key] = self.api.create(r.author, f"/v1/pokir/{t}/reses", body, key=r.key)["id"]

        self._parallel("pokir: reses recorded", plan.reses, record)

        def create(p: Pokir) -> None:
            body = {"judul": p.judul, "permasalahan": p.permasalahan, "usulan": p.usulan,
                    "kamus_item_id": plan.kamus_id(p.kamus), "volume": str(p.volume), "desa": p.desa,
                    "reses_id": self.result.reses[p.reses]}
            self.result.pokir[p.n] = self.api.create(p.author, f"/v1/pokir/{t}/pokir", body, key=p.key)["id"]

        self._parallel("pokir: created", plan.pokir, create)
        steps = (("submitted to Setwan", lambda p: p.author, {"action": "submit"}, ("draft",)),
                 ("recommended by Setwan", lambda _: "setwan", None, ("draft", "diajukan")),
                 ("delivered to Bappeda by Setwan", lambda _: "setwan", {"action": "deliver"},
                  ("draft", "diajukan", "direkomendasikan")))
        for label, who, body, before in steps:
            def act(p: Pokir, who=who, body=body, before=before) -> None:
                path = f"/v1/pokir/pokir/{self.result.pokir[p.n]}"
                payload = body or {"action": "recommend", "catatan": p.catatan_setwan}
                self.api.update(who(p), "POST", f"{path}/actions", payload, read=path,
                                applied=lambda state: state["status"] not in before)

            self._parallel(f"pokir: {label}", plan.pokir, act)
        count = len(self.api.get("bappeda", f"/v1/pokir/{t}/overlaps"))
        self.say(f"pokir: {len(plan.pokir)} delivered; Pokir flags {count} overlapping a Musrenbang usulan "
                 f"({sum(1 for p in plan.pokir if p.overlaps is not None)} repeat one on purpose)")

    # -- 5. the kecamatan forums ----------------------------------------------------------------
    def musrenbang_kecamatan(self) -> None:
        plan = self.plan
        scored = [u for u in plan.usulan if u.scores]
        self._parallel("musrenbang: kecamatan scores", scored, lambda u: self.api.call(
            plan.kecamatan_user(u.kecamatan), "POST", f"{self._usulan_path(u)}/scores", {"scores": u.scores}))
        decided = [u for u in plan.usulan if u.kecamatan_decision]
        plain = [u for u in decided if u.kecamatan_decision.status != DIGABUNG]
        merges = [u for u in decided if u.kecamatan_decision.status == DIGABUNG]
        self._parallel("musrenbang: kecamatan decisions", plain,
                       lambda u: self._decide(u, "kecamatan", plan.kecamatan_user(u.kecamatan)))
        self._parallel("musrenbang: kecamatan merges", merges,
                       lambda u: self._decide(u, "kecamatan", plan.kecamatan_user(u.kecamatan)))
        today = self.now().date().isoformat()
        with_usulan = sorted({u.kecamatan for u in plan.usulan})
        names = dict(plan.kecamatan)

        def close(kec: str) -> None:
            body = {"tanggal": today, "tempat": f"Aula Kantor Camat {names[kec]}",
                    "jumlah_peserta": 40 + 5 * sum(1 for d in plan.desa if d[2] == kec),
                    "pimpinan": f"Camat {names[kec]}",
                    "catatan": "Dihadiri perwakilan seluruh desa/kelurahan dan perangkat daerah terkait"}
            reply = self.api.call(plan.kecamatan_user(kec), "POST", f"/v1/musrenbang/{self.t}/kecamatan/{kec}/close",
                                  body, headers={"Idempotency-Key": f"demo-{plan.seed}-forum-{kec}"},
                                  expect=(200, 201, 409))
            if reply.status == 409 and (reply.json or {}).get("code") != "kecamatan_closed":
                raise ApiError("POST", f"/v1/musrenbang/{self.t}/kecamatan/{kec}/close", 409, reply.json,
                               user=plan.kecamatan_user(kec))

        self._parallel("musrenbang: kecamatan forums closed with their berita acara", with_usulan, close)

    # -- 6. Musrenbang kabupaten ------------------------------------------------------------------
    def musrenbang_kabupaten(self) -> None:
        plan = self.plan
        self._parallel("musrenbang: kabupaten decisions (Bappeda)", [u for u in plan.usulan if u.kabupaten_decision],
                       lambda u: self._decide(u, "kabupaten", "bappeda"))
        reply = self.api.call("bappeda", "POST", f"/v1/musrenbang/{self.t}/close",
                              headers={"Idempotency-Key": f"demo-{plan.seed}-musrenbang-close"}, expect=(200, 201, 409))
        if reply.status == 409 and (reply.json or {}).get("code") != "stage_closed":
            raise ApiError("POST", f"/v1/musrenbang/{self.t}/close", 409, reply.json, user="bappeda")
        routed = (reply.json or {}).get("routed_count")
        self.say(f"musrenbang: stage closed; {routed if routed is not None else '?'} usulan routed to the OPD inboxes "
                 f"(plan: {len(plan.routed_usulan())})")
        if routed is not None and routed != len(plan.routed_usulan()):
            raise DemoError(f"Musrenbang routed {routed} usulan, the plan accepted {len(plan.routed_usulan())}")

    # -- 7. Renja ----------------------------------------------------------------------------
    def renja(self) -> None:
        plan, t = self.plan, self.t

        def create_row(row) -> None:
            created = self.api.create(plan.opd_user(row.opd), f"/v1/renja/{t}/opd/{row.opd}/rows", row.body(),
                                      key=row.key)
            self.result.rows[row.key] = created["row_id"]

        self._parallel("renja: rows created by the OPDs", [r for r in plan.rows if not r.via_inbox], create_row)

        # the inbox: every routed usulan and delivered pokir, arriving by events
        sources = [("musrenbang", u) for u in plan.routed_usulan()] + [("pokir", p) for p in plan.pokir]
        first = {(self._source_id(kind, x), x.follow_up.opd): x.follow_up for kind, x in sources}
        items = self._wait_inbox(set(first), "renja: inbox items arrived")
        new_rows = [(items[key], f) for key, f in first.items() if f.new_row]
        others = [(items[key], f) for key, f in first.items() if not f.new_row]
        self._parallel("renja: inbox decisions creating a new row", new_rows, self._decide_item)
        self._parallel("renja: inbox decisions (accommodate, reject, re-route)", others, self._decide_item)
        rerouted = {(sid, f.then.opd): f.then for (sid, _), f in first.items() if f.then is not None}
        if rerouted:
            moved = self._wait_inbox(set(rerouted), "renja: re-routed items arrived")
            self._parallel("renja: decisions on re-routed items", [(moved[key], f) for key, f in rerouted.items()],
                           self._decide_item)

        def lifecycle(opd) -> None:
            self._step(opd.kode, "submit", plan.opd_user(opd.kode), ("diajukan", "diverifikasi", "final"))
            if opd.kode in plan.returned:
                self._step(opd.kode, "return", "bappeda", ("dikembalikan",), note=plan.returned[opd.kode])
                self._step(opd.kode, "submit", plan.opd_user(opd.kode), ("diajukan", "diverifikasi", "final"))
            self._step(opd.kode, "verify", "bappeda", ("diverifikasi", "final"))
            self._step(opd.kode, "finalize", "bappeda", ("final",))

        self._parallel("renja: submitted, verified and finalized", plan.opds, lifecycle)
        reply = self.api.call("bappeda", "POST", f"/v1/renja/{t}/close", expect=(200, 201, 409))
        if reply.status == 409 and (reply.json or {}).get("code") != "stage_closed":
            raise ApiError("POST", f"/v1/renja/{t}/close", 409, reply.json, user="bappeda")
        self.say(f"renja: stage closed ({len(plan.rows)} rows of {len(plan.opds)} OPD)")

    def _source_id(self, kind: str, x) -> str:
        return self.result.usulan[x.n]["id"] if kind == "musrenbang" else self.result.pokir[x.n]

    def _wait_inbox(self, expected: set[tuple[str, str]], label: str,
                    timeout: float = 300.0) -> dict[tuple[str, str], dict]:
        """Poll the inbox (as Bappeda) until every (source id, OPD) expected is there; -> its item."""
        deadline = time.monotonic() + timeout
        last_count = -1
        while True:
            found = {}
            for item in self.api.pages("bappeda", f"/v1/renja/{self.t}/inbox"):
                key = (item["source_id"], item["opd"])
                if key in expected:
                    found[key] = item
            if len(found) != last_count:
                self.say(f"{label}: {len(found)}/{len(expected)}")
                last_count = len(found)
            if len(found) == len(expected):
                return found
            if time.monotonic() > deadline:
                missing = sorted(expected - set(found))[:5]
                raise DemoError(f"{label}: only {len(found)} of {len(expected)} inbox items after {timeout:.0f} s, "
                                f"missing e.g. {missing} (are the services consuming their events? see "
                                "var/log/stack.log)")
            time.sleep(0.5)

    def _decide_item(self, work: tuple[dict, FollowUp]) -> None:
        item, f = work
        body: dict = {"decision": f.decision, "version": item["version"]}
        if f.decision == ACCOMMODATE:
            row = self.plan.row(f.row)
            if f.new_row:
                body["row"] = row.body()
            else:
                body["row_id"] = self.result.rows[row.key]
            if f.reason:
                body["reason"] = f.reason
        elif f.decision == REJECT:
            body["reason"] = f.reason
        else:
            body.update({"to_opd": f.to_opd, "reason": f.reason})
        user = self.plan.opd_user(item["opd"])
        wanted = INBOX_DECISION[f.decision]

        def read() -> dict:
            for candidate in self.api.pages(user, f"/v1/renja/{self.t}/inbox"):
                if candidate["item_id"] == item["item_id"]:
                    return candidate
            return {}

        def applied(state: dict) -> bool:
            return state.get("status") == wanted

        decided = self.api.update(user, "POST", f"/v1/renja/inbox/{item['item_id']}/decision", body, read=read,
                                  applied=applied, if_match=False)
        if f.decision == ACCOMMODATE and f.new_row:
            self.result.rows[f.row] = (decided.get("decision") or {}).get("renja_row_id")

    def _step(self, opd: str, action: str, user: str, after: tuple[str, ...], note: str | None = None) -> None:
        body = {"action": action, **({"note": note} if note else {})}

        def read() -> dict:
            return next((x for x in self.api.get("bappeda", f"/v1/renja/{self.t}/totals") if x["opd"] == opd), {})

        self.api.update(user, "POST", f"/v1/renja/{self.t}/opd/{opd}/steps", body, read=read,
                        applied=lambda state: state.get("status") in after, if_match=False)

    # -- 8. the Pokir stage ---------------------------------------------------------------------
    def pokir_close(self) -> None:
        """Every pokir's follow-up comes back from Renja by events; close once all have arrived (the
        RKPD annex shows each pokir's follow-up status)."""
        deadline = time.monotonic() + 300
        last = -1
        while True:
            pokir = list(self.api.pages("setwan", f"/v1/pokir/{self.t}/pokir"))
            final = sum(1 for p in pokir if p["status"] in POKIR_FINAL)
            if final != last:
                self.say(f"pokir: follow-up from Renja arrived for {final}/{len(self.plan.pokir)}")
                last = final
            if final >= len(self.plan.pokir):
                break
            if time.monotonic() > deadline:
                raise DemoError(f"pokir: only {final} of {len(self.plan.pokir)} pokir got their Renja follow-up")
            time.sleep(0.5)
        reply = self.api.call("setwan", "POST", f"/v1/pokir/{self.t}/close", expect=(200, 201, 409))
        if reply.status == 409 and (reply.json or {}).get("code") != "stage_closed":
            raise ApiError("POST", f"/v1/pokir/{self.t}/close", 409, reply.json, user="setwan")
        self.say("pokir: stage closed")

    # -- 9. the RKPD -------------------------------------------------------------------------------
    def rkpd(self) -> None:
        plan, t = self.plan, self.t
        deadline = time.monotonic() + self.rkpd_timeout
        last = None
        while True:
            status = self.api.get("bappeda", f"/v1/rkpd/{t}/status")
            current = status.get("versi_terkini")
            if current and not current.get("stale"):
                break
            waiting = "; ".join(status.get("menunggu") or []) or "assembling"
            if waiting != last:
                self.say(f"rkpd: waiting ({waiting})")
                last = waiting
            if time.monotonic() > deadline:
                raise DemoError(f"rkpd: no RKPD after {self.rkpd_timeout:.0f} s; the service waits for: {waiting}")
            time.sleep(1.0)
        versions = self.api.get("bappeda", f"/v1/rkpd/{t}/versions")["versions"]
        assembled = next(v for v in versions if v["nomor"] == current["nomor"])
        self.result.rkpd = {"nomor": assembled["nomor"], "versi": assembled["versi"],
                            "content_hash": assembled["content_hash"],
                            "files": {fmt: {"url": f["url"], "sha256": f["sha256"], "bytes": f["bytes"]}
                                      for fmt, f in assembled["files"].items()}}
        self.say(f"rkpd: version {assembled['nomor']} ({assembled['versi']}) assembled by the system, "
                 f"content hash {assembled['content_hash']}")
        document = self.api.get("bappeda", f"/v1/rkpd/{t}/document?nomor={assembled['nomor']}")["document"]
        self.result.problems = check_document(plan, self.result, document)
        if self.result.problems:
            for problem in self.result.problems[:20]:
                self.say(f"rkpd: CHECK FAILED: {problem}")
        else:
            self.say(f"rkpd: checked against the plan: {len(document['lampiran']['usulan'])} usulan and "
                     f"{len(document['lampiran']['pokir'])} pokir with their final decisions, "
                     f"{len(document['tabel_v']['baris'])} chapter V lines, "
                     f"grand total Rp{document['grand_total']['pagu_n']}")
        if not self.publish:
            return
        promoted = self.api.create("bappeda", f"/v1/rkpd/{t}/promote", {"to": "rancangan"},
                                   key=f"demo-{plan.seed}-promote-rancangan")
        public = self.api.get(None, f"/v1/public/rkpd/{plan.pemda}/{t}")
        entry = next(v for v in public["versi"] if v["nomor"] == promoted["nomor"])
        base = f"{self.api.base_url}/v1/public/rkpd/{plan.pemda}/{t}"
        self.result.published = {
            "nomor": entry["nomor"], "versi": entry["versi"], "content_hash": entry["content_hash"],
            "index": base, "files": {fmt: {"url": f"{base}/{fmt}?nomor={entry['nomor']}", "sha256": f["sha256"],
                                           "bytes": f["bytes"]} for fmt, f in entry["files"].items()}}
        self.say(f"rkpd: promoted to version {entry['nomor']} ({entry['versi']}) and published, "
                 f"content hash {entry['content_hash']}")


def check_document(plan: Plan, result: Result, document: dict) -> list[str]:
    """What the assembled RKPD shows that the plan did not lead to (empty: it agrees): every usulan
    and pokir in the annexes with its final status, and each OPD's chapter V total = its rows."""
    problems = []
    annex = {u["id"]: u for u in document["lampiran"]["usulan"]}
    for u in plan.usulan:
        ident = result.usulan[u.n]["id"]
        record = annex.get(ident)
        if record is None:
            problems.append(f"usulan {u.n} ({ident}) is not in the annex")
        elif record["status_akhir"] != u.status_akhir:
            problems.append(f"usulan {u.n} ({ident}): annex status {record['status_akhir']!r}, "
                            f"expected {u.status_akhir!r}")
    if len(annex) != len(plan.usulan):
        problems.append(f"the annex lists {len(annex)} usulan, the cycle submitted {len(plan.usulan)}")
    pokir = {p["id"]: p for p in document["lampiran"]["pokir"]}
    for p in plan.pokir:
        record = pokir.get(result.pokir[p.n])
        if record is None:
            problems.append(f"pokir {p.n} ({result.pokir[p.n]}) is not in the annex")
        elif record["status"] != p.status_akhir:
            problems.append(f"pokir {p.n}: annex status {record['status']!r}, expected {p.status_akhir!r}")
    if len(pokir) != len(plan.pokir):
        problems.append(f"the annex lists {len(pokir)} pokir, the cycle delivered {len(plan.pokir)}")
    lines = {line["opd"]: line for line in document["tabel_v"]["baris"] if line["tingkat"] == "opd"}
    for opd in plan.opds:
        total_n, _ = plan.rows_total(opd.kode)
        line = lines.get(opd.kode)
        if line is None:
            problems.append(f"OPD {opd.kode} has no chapter V line")
        elif Decimal(line["pagu_n"]) != total_n:
            problems.append(f"OPD {opd.kode}: chapter V total {line['pagu_n']}, its renja rows {total_n}")
    grand = sum(plan.rows_total(o.kode)[0] for o in plan.opds)
    if Decimal(document["grand_total"]["pagu_n"]) != grand:
        problems.append(f"grand total {document['grand_total']['pagu_n']}, the renja rows {grand}")
    return problems
