"""Plays a plan (`eplanning_demo.plan`) through the gateway's /v1 API in the order of the
planning calendar (Permendagri 86/2017, `../shared/docs/domain.md`), never touching a database:

 1. users for every role (the administrator creates them), except the OPD and DPRD users;
 2. set-up: kamus (Musrenbang and Pokir), scoring criteria, DPRD register, the pokir window and
    the year's pokir policy, OPD register, nomenclature pin; then the OPD and DPRD users (the
    gateway refuses a user whose OPD or member is not in its register yet); each OPD's indicative
    ceiling, and the year's planning calendar (`PUT /v1/kalender/{tahun}`);
 3. rancangan awal RKPD: Bappeda sets the year's priorities and publishes it (RKPD version 1);
 4. Renja drafts (each OPD's rows against its ceiling) while Musrenbang desa and kecamatan run:
    usulan created, withdrawn, decided by their desa, scored and decided at the kecamatan forums,
    each forum closed with its berita acara — which routes its accepted usulan to the OPDs;
 5. Forum Perangkat Daerah per OPD: each OPD decides every usulan in its inbox (accommodated as a
    new row, added to a row, or covered by a drafted row; rejected; re-routed), records its forum
    and closes it with its berita acara; the last close makes the RKPD service assemble the
    *rancangan*;
 6. pokir: reses, pokir, submitted, recommended and delivered by Setwan; Bappeda reviews each
    (kajian) and disposes the layak ones to their OPD, which decides them in Renja; the pokir
    stage closes once every follow-up has come back;
 7. Musrenbang RKPD: Bappeda records the forum (participants, the rancangan it discussed, the
    agreements) and closes it; the RKPD service assembles the *rancangan akhir*;
 8. penetapan: Bappeda records the Perkada (number, date) on the rancangan akhir: the RKPD
    *penetapan*, published;
 9. Renja final: each OPD's Renja submitted, verified (returned once for a few) and made final,
    agreeing with the penetapan.

Each RKPD version is printed with its content hash as it appears; the penetapan is checked
against the plan (every usulan and pokir with its final status, each OPD's chapter V total, and
every accommodated item's attributable money inside its line). The calendar is compressed into
one sitting: Bappeda closes each step early (`close_early`, with a reason) once its work is done,
so the close acts that depend on it are allowed; the pokir window is set explicitly (the calendar
derives it from Musrenbang RKPD, which in a one-sitting calendar is already open).

Independent calls run in parallel (a thread pool); every stage prints progress lines with counts
and rates. A cycle year that already has a calendar or schedule is refused (`AlreadyPlayed`): it
cannot be replayed on the same databases.
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
# the calendar's steps (Permendagri 86/2017), all open in this one-sitting year but `pokir` (set apart)
CALENDAR_STEPS = ("rancangan_awal", "renja_draft", "desa", "kecamatan", "forum_pd", "musrenbang_rkpd", "penetapan",
                  "renja_final")
RKPD_VERSIONS = ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")
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
    versions: dict[str, dict] = field(default_factory=dict)  # versi -> nomor, content_hash, files (in order)
    published: dict = field(default_factory=dict)  # the penetapan as the public sees it, with its URLs
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
                "reses": self.reses, "rows": self.rows, "versions": self.versions, "published": self.published,
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

    # -- the whole cycle, in the calendar's order ----------------------------------------------
    def run(self) -> Result:
        plan = self.plan
        s = plan.summary()
        self.say(f"plan: {plan.pemda_nama} ({plan.pemda}) {plan.tahun}, seed {plan.seed}, scale {plan.scale:g}: "
                 f"{s['kecamatan']} kecamatan, {s['desa']} desa, {s['usulan']} usulan, {s['members']} DPRD members "
                 f"with {s['pokir']} pokir ({s['pokir_layak']} layak), {s['opd']} OPD, {s['rows']} renja rows, "
                 f"{s['users']} users")
        self._stage("preflight", self.preflight)
        self._stage("users", self.users)
        self._stage("setup", self.setup)
        self._stage("rancangan_awal", self.rancangan_awal)
        self._stage("renja_draft+musrenbang", self.drafts_and_musrenbang)
        self._stage("forum_pd", self.forum_pd)
        self._stage("pokir", self.pokir)
        self._stage("musrenbang_rkpd", self.musrenbang_rkpd)
        self._stage("penetapan", self.penetapan)
        self._stage("renja_final", self.renja_final)
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
        for path in (f"/v1/kalender/{self.t}", f"/v1/musrenbang/{self.t}/schedule"):
            schedule = self.api.call(bappeda.username, "GET", path, expect=(200, 404))
            if schedule.status == 200:
                raise AlreadyPlayed(
                    f"the {self.t} cycle of pemda {self.plan.pemda} already has data on this stack (its calendar "
                    f"exists): a cycle cannot be replayed on the same databases. Run `make demo-reset` "
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
        call("bappeda", "PUT", f"/v1/musrenbang/{t}/criteria",
             {"criteria": [{"name": n, "weight": w, "max_score": m} for n, w, m in plan.criteria]})
        call("setwan", "PUT", "/v1/pokir/register", {"periode": PERIODE, **{f"{name}_csv": text for name, text in
                                                                             plan.register_csv.items()}})
        # the calendar derives the pokir window from Musrenbang RKPD (closing a week before it); in this
        # one-sitting calendar Musrenbang RKPD is already open, so Bappeda sets the pokir window itself
        call("bappeda", "PUT", f"/v1/pokir/{t}/window", {"opens_at": opens, "closes_at": closes})
        # the per-member ceiling is a local policy, off by default: this pemda keeps each member's pagu
        call("bappeda", "PUT", f"/v1/pokir/{t}/kebijakan", {"pagu_per_anggota": {"aktif": True, "jumlah": None}})
        call("bappeda", "PUT", f"/v1/renja/opd?versi={self.nomenklatur}", raw=plan.opd_csv.encode(),
             content_type="text/csv")
        call("bappeda", "PUT", f"/v1/renja/{t}/nomenklatur", {"versi": self.nomenklatur})
        self._create_users("setup: OPD and DPRD users created (their registers hold them now)",
                           [u for u in plan.users if u.role in REGISTER_ROLES])
        self._parallel("setup: OPD indicative ceilings", plan.ceilings, lambda c: call(
            "bappeda", "PUT", f"/v1/renja/{t}/opd/{c.opd}/pagu", {"pagu_n": str(c.pagu_n), "pagu_n1": str(c.pagu_n1)}))
        steps = [{"step": step, "opens_at": opens, "closes_at": closes} for step in CALENDAR_STEPS]
        steps.append({"step": "pokir", "opens_at": (now - timedelta(days=10)).isoformat()})  # closes: derived
        calendar = call("bappeda", "PUT", f"/v1/kalender/{t}", {"steps": steps}).json or {}
        self.say(f"setup: criteria, DPRD register, pokir window and policy, OPD register, nomenclature, ceilings; "
                 f"the {t} calendar set ({len(calendar.get('steps', steps))} steps, "
                 f"tata urutan {calendar.get('tata_urutan', 'permendagri_86_2017')})")

    def close_step(self, step: str, reason: str) -> None:
        """Bappeda closes a calendar step early (its work is done): the acts that depend on it may go on.
        A refusal (409: already closed by its act, or a step it depends on still open) is reported and
        the year goes on; an act that truly needs the step closed says so itself."""
        reply = self.api.call("bappeda", "POST", f"/v1/kalender/{self.t}/{step}/close_early", {"reason": reason},
                              expect=(200, 201, 409))
        if reply.status == 409:
            problem = reply.json or {}
            self.say(f"calendar: step {step} not closed early ({problem.get('code')}: {problem.get('detail')})")
            return
        self.say(f"calendar: step {step} closed early ({reason})")

    def _until(self, label: str, attempt: Callable[[], Any], retry_codes: tuple[str, ...], timeout: float = 120.0):
        """`attempt()` until it stops failing with a 409 of `retry_codes` (another service has not
        heard yet of what it waits for: the calendar's copy, the ceilings)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return attempt()
            except ApiError as exc:
                if exc.status != 409 or exc.code not in retry_codes or time.monotonic() > deadline:
                    raise
                self.say(f"{label}: waiting ({exc.code})")
                time.sleep(1.0)

    # -- RKPD versions as they appear -----------------------------------------------------------
    def wait_version(self, versi: str) -> dict:
        """Wait until the RKPD version `versi` exists; print it with its content hash."""
        deadline = time.monotonic() + self.rkpd_timeout
        last = None
        while True:
            versions = self.api.get("bappeda", f"/v1/rkpd/{self.t}/versions")["versions"]
            found = [v for v in versions if v["versi"] == versi]
            if found:
                break
            status = self.api.get("bappeda", f"/v1/rkpd/{self.t}/status")
            waiting = "; ".join(status.get("menunggu") or []) or "assembling"
            if waiting != last:
                self.say(f"rkpd: waiting for the {versi} ({waiting})")
                last = waiting
            if time.monotonic() > deadline:
                raise DemoError(f"rkpd: no {versi} after {self.rkpd_timeout:.0f} s; the service waits for: {waiting}")
            time.sleep(1.0)
        v = max(found, key=lambda x: x["nomor"])
        record = {"nomor": v["nomor"], "versi": v["versi"], "content_hash": v["content_hash"],
                  "files": {fmt: {"url": f["url"], "sha256": f["sha256"], "bytes": f["bytes"]}
                            for fmt, f in (v.get("files") or {}).items()}}
        self.result.versions[versi] = record
        self.say(f"RKPD {versi.upper()}: version {v['nomor']}, content hash {v['content_hash']}")
        return record

    # -- 3. rancangan awal RKPD ---------------------------------------------------------------------
    def rancangan_awal(self) -> None:
        plan, t = self.plan, self.t
        self.api.call("bappeda", "PUT", f"/v1/rkpd/{t}/rancangan-awal", {"prioritas": list(plan.prioritas)})
        # the RKPD service learns the ceilings from Renja's events: publishing waits until it has them
        self._until("rkpd: rancangan awal", lambda: self.api.create(
            "bappeda", f"/v1/rkpd/{t}/rancangan-awal/publish", key=f"demo-{plan.seed}-rancangan-awal"),
            ("no_ceilings", "pagu_belum_ada", "not_ready", "ceilings_missing"))
        self.wait_version("rancangan awal")
        self.close_step("rancangan_awal", "Rancangan awal RKPD diterbitkan sebagai pedoman Renja")

    # -- 4. Renja drafts while Musrenbang desa and kecamatan run ------------------------------------
    def drafts_and_musrenbang(self) -> None:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="calendar") as pool:
            drafts = pool.submit(self.renja_draft)
            musrenbang = pool.submit(self.musrenbang)
            drafts.result()
            musrenbang.result()
        self.close_step("renja_draft", "Rancangan Renja seluruh perangkat daerah tersusun")

    def renja_draft(self) -> None:
        plan, t = self.plan, self.t

        def create_row(row) -> None:
            created = self.api.create(plan.opd_user(row.opd), f"/v1/renja/{t}/opd/{row.opd}/rows", row.body(),
                                      key=row.key)
            self.result.rows[row.key] = created["row_id"]

        self._parallel("renja draft: rows drafted by the OPDs against their ceiling",
                       [r for r in plan.rows if not r.via_inbox], create_row)

    def musrenbang(self) -> None:
        self.musrenbang_desa()
        self.close_step("desa", "Musrenbang desa/kelurahan selesai")
        self.musrenbang_kecamatan()
        self.close_step("kecamatan", "Seluruh forum Musrenbang kecamatan ditutup")

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

    # -- 5. Forum Perangkat Daerah ----------------------------------------------------------------
    def forum_pd(self) -> None:
        plan, t = self.plan, self.t
        self._decide_inbox("forum PD", [("musrenbang", u) for u in plan.routed_usulan()])
        today = self.now().date().isoformat()

        def forum_close(user, opd) -> None:
            """Closed (or already closed); `forum_pd_blocked` while Renja has not heard yet that the
            calendar's kecamatan and renja_draft steps closed."""
            deadline = time.monotonic() + 120
            while True:
                reply = self.api.call(user, "POST", f"/v1/renja/{t}/opd/{opd.kode}/forum-pd/close",
                                      expect=(200, 201, 409))
                code = (reply.json or {}).get("code")
                if reply.ok or code in ("forum_closed", "forum_pd_closed"):
                    return
                if code != "forum_pd_blocked" or time.monotonic() > deadline:
                    raise ApiError("POST", f"/v1/renja/{t}/opd/{opd.kode}/forum-pd/close", 409, reply.json,
                                   user=user)
                time.sleep(1.0)

        def forum(opd) -> None:
            user = plan.opd_user(opd.kode)
            body = {"tempat": f"Aula Bappeda {plan.pemda_nama}", "tanggal": today,
                    "peserta": [{"nama": f"Kepala {opd.nama}", "unsur": "opd", "instansi": opd.nama},
                                {"nama": "Kepala Bappeda", "unsur": "bappeda",
                                 "instansi": f"Bappeda {plan.pemda_nama}"},
                                {"nama": "Para camat", "unsur": "kecamatan", "instansi": "Kecamatan se-kabupaten"},
                                {"nama": "Forum pemangku kepentingan", "unsur": "masyarakat",
                                 "instansi": "Organisasi kemasyarakatan"}],
                    "kesepakatan": [f"Usulan hasil Musrenbang kecamatan untuk {opd.nama} telah diverifikasi",
                                    "Rancangan Renja disesuaikan dengan pagu indikatif"]}
            self.api.call(user, "POST", f"/v1/renja/{t}/opd/{opd.kode}/forum-pd", body)
            forum_close(user, opd)

        self._parallel("forum PD: recorded and closed with its berita acara, per OPD", plan.opds, forum)
        self.close_step("forum_pd", "Forum Perangkat Daerah seluruh OPD ditutup")
        self.wait_version("rancangan")

    def _decide_inbox(self, label: str, sources: list) -> None:
        """Every item's first decision (the rows made by an item first), then the re-routed ones."""
        first = {(self._source_id(kind, x), x.follow_up.opd): x.follow_up for kind, x in sources}
        items = self._wait_inbox(set(first), f"{label}: inbox items arrived")
        new_rows = [(items[key], f) for key, f in first.items() if f.new_row]
        others = [(items[key], f) for key, f in first.items() if not f.new_row]
        self._parallel(f"{label}: decisions making a new row (baris_baru)", new_rows, self._decide_item)
        self._parallel(f"{label}: decisions (tambah, sudah_tercakup, reject, re-route)", others, self._decide_item)
        rerouted = {(sid, f.then.opd): f.then for (sid, _), f in first.items() if f.then is not None}
        if rerouted:
            moved = self._wait_inbox(set(rerouted), f"{label}: re-routed items arrived")
            self._parallel(f"{label}: decisions on re-routed items", [(moved[key], f) for key, f in rerouted.items()],
                           self._decide_item)

    # -- 6. Pokir: entered, delivered, reviewed by Bappeda, disposed, decided in Renja -------------
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

        def review(p: Pokir) -> None:
            path = f"/v1/pokir/pokir/{self.result.pokir[p.n]}"
            kajian = dict(p.kajian)
            if kajian["duplikat_usulan"] is not None:
                kajian["duplikat_usulan"] = self.result.usulan[kajian["duplikat_usulan"]]["id"]
            body = {"status": "layak" if p.layak else "tidak_layak", "kajian": kajian, "catatan": p.catatan_kajian}
            self.api.update("bappeda", "POST", f"{path}/review", body, read=path,
                            applied=lambda state: state.get("review") is not None)

        self._parallel("pokir: reviewed by Bappeda (kajian)", plan.pokir, review)

        def dispose(p: Pokir) -> None:
            path = f"/v1/pokir/pokir/{self.result.pokir[p.n]}"
            self.api.update("bappeda", "POST", f"{path}/actions", {"action": "dispose", "opd": p.follow_up.opd},
                            read=path, applied=lambda state: state["status"] != "disampaikan")

        self._parallel("pokir: layak ones disposed to their OPD", plan.layak_pokir(), dispose)
        self.say(f"pokir: {len(plan.pokir) - len(plan.layak_pokir())} found tidak layak (no OPD sees them)")
        self._decide_inbox("pokir", [("pokir", p) for p in plan.layak_pokir()])
        self.pokir_close()

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
            if final >= len(self.plan.pokir):  # the tidak_layak ones ended at the review
                break
            if time.monotonic() > deadline:
                raise DemoError(f"pokir: only {final} of {len(self.plan.pokir)} pokir got their Renja follow-up")
            time.sleep(0.5)
        reply = self.api.call("setwan", "POST", f"/v1/pokir/{self.t}/close", expect=(200, 201, 409))
        if reply.status == 409 and (reply.json or {}).get("code") != "stage_closed":
            raise ApiError("POST", f"/v1/pokir/{self.t}/close", 409, reply.json, user="setwan")
        self.say("pokir: stage closed")

    # -- 7. Musrenbang RKPD ------------------------------------------------------------------------
    def musrenbang_rkpd(self) -> None:
        plan, t = self.plan, self.t
        rancangan = self.result.versions["rancangan"]
        taken = next((p for p in plan.layak_pokir() if p.status_akhir == "diakomodasi"), None)
        kesepakatan = [{"jenis": "prioritas", "uraian": f"Prioritas pembangunan {t} disepakati: {text}"}
                       for text in plan.prioritas[:2]]
        if taken is not None:
            kesepakatan.append({"jenis": "pokir", "pokir_id": self.result.pokir[taken.n],
                                "uraian": f"Pokir {taken.judul} dimuat dalam rancangan RKPD"})
        names = dict(plan.kecamatan)
        body = {"tempat": f"Aula Kantor Bupati {plan.pemda_nama.title()}", "tanggal": self.now().date().isoformat(),
                "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda", "instansi": f"Bappeda {plan.pemda_nama}"},
                            {"nama": "Ketua DPRD", "unsur": "dprd", "instansi": f"DPRD {plan.pemda_nama}"},
                            *({"nama": f"Kepala {o.nama}", "unsur": "opd", "instansi": o.nama} for o in plan.opds[:5]),
                            *({"nama": f"Camat {names[k]}", "unsur": "kecamatan", "instansi": f"Kecamatan {names[k]}"}
                              for k, _ in plan.kecamatan[:3]),
                            {"nama": "Forum Masyarakat Sipil", "unsur": "masyarakat", "instansi": "Ormas"}],
                "rancangan_rkpd": {"nomor": rancangan["nomor"], "sha256": rancangan["content_hash"]},
                "kesepakatan": kesepakatan}
        self.api.call("bappeda", "POST", f"/v1/musrenbang/{t}/forum-rkpd", body)
        reply = self._until("musrenbang RKPD close", lambda: self.api.create(
            "bappeda", f"/v1/musrenbang/{t}/forum-rkpd/close", key=f"demo-{plan.seed}-forum-rkpd-close"),
            ("dependencies_open",))
        reply = reply or {}
        digest = reply.get("berita_acara_sha256") or (reply.get("forum") or {}).get("berita_acara_sha256")
        self.say(f"musrenbang RKPD: forum closed, berita acara sha256 {digest}")
        self.wait_version("rancangan akhir")

    # -- 8. penetapan -----------------------------------------------------------------------------
    def penetapan(self) -> None:
        plan, t = self.plan, self.t
        body = {"nomor_perkada": f"{plan.perkada_nomor()}", "tanggal_perkada": self.now().date().isoformat()}
        self._until("penetapan", lambda: self.api.create("bappeda", f"/v1/rkpd/{t}/penetapan", body,
                                                        key=f"demo-{plan.seed}-penetapan"),
                    ("not_ready", "belum_rancangan_akhir", "rancangan_akhir_missing"))
        record = self.wait_version("penetapan")
        document = self.api.get("bappeda", f"/v1/rkpd/{t}/document?nomor={record['nomor']}")["document"]
        self.result.problems = check_document(plan, self.result, document)
        if self.result.problems:
            for problem in self.result.problems[:20]:
                self.say(f"rkpd: CHECK FAILED: {problem}")
        else:
            self.say(f"rkpd: the penetapan checked against the plan: {len(document['lampiran']['usulan'])} usulan and "
                     f"{len(document['lampiran']['pokir'])} pokir with their final status, "
                     f"{len(document['tabel_v']['baris'])} chapter V lines, every accommodated item's money inside "
                     f"its line, grand total Rp{document['grand_total']['pagu_n']}")
        public = self.api.get(None, f"/v1/public/rkpd/{plan.pemda}/{t}")
        entry = next((v for v in public["versi"] if v["nomor"] == record["nomor"]), None)
        if entry is not None:
            base = f"{self.api.base_url}/v1/public/rkpd/{plan.pemda}/{t}"
            self.result.published = {
                "nomor": entry["nomor"], "versi": entry["versi"], "content_hash": entry["content_hash"],
                "index": base, "files": {fmt: {"url": f"{base}/{fmt}?nomor={entry['nomor']}", "sha256": f["sha256"],
                                               "bytes": f["bytes"]} for fmt, f in entry["files"].items()}}

    # -- 9. Renja final ----------------------------------------------------------------------------
    def renja_final(self) -> None:
        plan, t = self.plan, self.t

        def lifecycle(opd) -> None:
            self._step(opd.kode, "submit", plan.opd_user(opd.kode), ("diajukan", "diverifikasi", "final"))
            if opd.kode in plan.returned:
                self._step(opd.kode, "return", "bappeda", ("dikembalikan",), note=plan.returned[opd.kode])
                self._step(opd.kode, "submit", plan.opd_user(opd.kode), ("diajukan", "diverifikasi", "final"))
            self._step(opd.kode, "verify", "bappeda", ("diverifikasi", "final"))
            self._until(f"renja final {opd.kode}", lambda: self._step(opd.kode, "finalize", "bappeda", ("final",)),
                        ("belum_penetapan",))

        self._parallel("renja final: submitted, verified and made final, agreeing with the penetapan", plan.opds,
                       lifecycle)
        self.say(f"renja final: {len(plan.opds)} Renja final ({len(plan.rows)} rows), each agreeing with the "
                 "penetapan")
        self.close_step("renja_final", "Renja seluruh perangkat daerah final, sesuai RKPD penetapan")


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
            body["mode"] = f.mode
            if f.new_row:
                body["row"] = row.first_body()
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
            made = decided.get("decision") or {}
            self.result.rows[f.row] = made.get("row_id") or made.get("renja_row_id")

    def _step(self, opd: str, action: str, user: str, after: tuple[str, ...], note: str | None = None) -> None:
        body = {"action": action, **({"note": note} if note else {})}

        def read() -> dict:
            return next((x for x in self.api.get("bappeda", f"/v1/renja/{self.t}/totals") if x["opd"] == opd), {})

        self.api.update(user, "POST", f"/v1/renja/{self.t}/opd/{opd}/steps", body, read=read,
                        applied=lambda state: state.get("status") in after, if_match=False)


def check_document(plan: Plan, result: Result, document: dict) -> list[str]:
    """What the RKPD shows that the plan did not lead to (empty: it agrees): every usulan and pokir
    in the annexes with its final status, each OPD's chapter V total = its rows, and on every line
    the money attributable to the items it accommodates never above the line."""
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
    problems += attributable_problems(document)
    return problems


def attributable_problems(document: dict) -> list[str]:
    """Every chapter V line: the money attributable to the items it accommodates (`akomodasi`) adds
    up to the line's `atribusi` and is never above the line's pagu N."""
    problems = []
    for line in document["tabel_v"]["baris"]:
        items = line.get("akomodasi") or []
        if not items:
            continue
        total = sum((Decimal(str(i["attributable"])) for i in items), Decimal("0"))
        name = f"{line.get('opd')} {line.get('kode')}"
        if line.get("atribusi") is not None and Decimal(str(line["atribusi"])) != total:
            problems.append(f"line {name}: atribusi {line['atribusi']}, its items add up to {total}")
        if total > Decimal(str(line["pagu_n"])):
            problems.append(f"line {name}: items attributable Rp{total} above the line's Rp{line['pagu_n']}")
    return problems
