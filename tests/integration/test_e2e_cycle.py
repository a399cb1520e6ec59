"""A whole planning year end to end, in the order of the planning calendar (Permendagri 86/2017),
through the gateway only: `python -m eplanning_demo` (what `make demo` runs) plays a small year
(2 kecamatan, 10 desa, ~30 usulan, 4 DPRD members, 4 OPD) against the four services (in-process,
fresh databases, real RabbitMQ and PostgreSQL) and the real gateway under gunicorn: rancangan awal,
Renja drafts with Musrenbang desa and kecamatan, Forum Perangkat Daerah per OPD, pokir reviewed by
Bappeda and disposed, Musrenbang RKPD, penetapan, Renja final. Then, through the API only:

* the four RKPD versions appeared in order (rancangan awal, rancangan, rancangan akhir,
  penetapan), the rancangan and the rancangan akhir assembled by the system itself (no one asked:
  from the Forum PD closes and the Musrenbang RKPD close), the penetapan with its Perkada;
* every accommodated usulan and pokir is on its chapter V line with the money attributable to it,
  and no line's attributable money is above the line; a pokir Bappeda found tidak layak reached no
  OPD;

* every submitted usulan and every delivered pokir is in the annexes with its final decision, as
  the services themselves report it (the usulan's decision trail and the OPD's inbox decision, the
  pokir's follow-up status) and as the plan decided;
* every accommodated usulan is traceable to its chapter V line through `/v1/usulan/{id}/trace`:
  the `rkpd` section has the line whose `row_id` is the renja row the OPD decided it into;
* per OPD, the chapter V total equals the sum of its renja rows (`/v1/renja/{tahun}/rows`);
* the XLSX (openpyxl) and the PDF (pypdf), fetched through the API, agree with the JSON: grand
  total, per-OPD totals, chapter headings; the published files hash to what the public index says.

Last, the same seed played again on fresh databases gives the same ids, the same content hash and
the same files (`test_same_seed_same_hash`, a second small run: the module takes about a minute).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from eplanning_demo.plan import ACCOMMODATE, Territory, build_plan, load_reference

from . import gateway_stack as stack
from .gateway_stack import purge_queues
from .support import wait_for

pytestmark = pytest.mark.timeout(600)  # two demo years on a shared 2-CPU machine

TAHUN = 2033  # its own plan year: other modules' events in the shared vhost are for other years
PEMDA = "12.21"
SEED = 7
SCALE = 0.6
PUPR, DINKES, RSUD, PERKIM = ("1.03.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000", "1.02.0.00.0.00.02.0000",
                              "1.04.2.10.0.00.01.0000")
TERRITORY = Territory(kecamatan=("12.21.02", "12.21.07"), desa_per_kecamatan=5, opd=(PUPR, DINKES, RSUD, PERKIM),
                      anggota=("A01", "A02", "A14", "A15"))
USER_PASSWORD = "kata-sandi-demo-e2e"
D = Decimal


def demo_command(gateway_url: str, password_file, result_file, seed: int = SEED) -> list[str]:
    return [sys.executable, "-m", "eplanning_demo", "--gateway", gateway_url, "--seed", str(seed),
            "--scale", str(SCALE), "--tahun", str(TAHUN), "--admin-password-file", str(password_file),
            "--user-password", USER_PASSWORD, "--kecamatan", ",".join(TERRITORY.kecamatan),
            "--desa-per-kecamatan", str(TERRITORY.desa_per_kecamatan), "--opd", ",".join(TERRITORY.opd),
            "--anggota", ",".join(TERRITORY.anggota), "--workers", "6", "--rkpd-timeout", "120",
            "--result-json", str(result_file)]


class Played:
    """A stack on fresh databases with the demo played on it."""

    def __init__(self, gateway, containers, result: dict, output: str, plan):
        self.gw, self.containers, self.result, self.output, self.plan = gateway, containers, result, output, plan
        self.token = gateway.login("bappeda", USER_PASSWORD)
        self.stopped = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            stop(self.gw, self.containers)

    def get(self, path: str, token: str | None = "bappeda", **kwargs):
        answer = self.gw.request("GET", path, token=self.token if token == "bappeda" else token, **kwargs)
        assert answer.status == 200, (path, answer.status, answer.body[:1000])
        return answer

    def all(self, path: str) -> list:
        items, cursor = [], None
        while True:
            page = self.get(path + ("&" if "?" in path else "?") + "limit=200"
                            + (f"&cursor={cursor}" if cursor else "")).json
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def play(amqp_uri, tmp, suffix: str, seed: int = SEED):
    """Start the services and the gateway on fresh databases, run the demo; (gateway, containers, result, output)."""
    purge_queues(amqp_uri)
    containers = stack.start_services(amqp_uri, suffix)
    gateway = None
    try:
        gateway = stack.start_gateway(amqp_uri, suffix, tmp / "gateway")
        password_file = tmp / "admin-password.txt"
        password_file.write_text(stack.ADMIN_PASSWORD + "\n")
        result_file = tmp / "result.json"
        env = {k: v for k, v in os.environ.items() if k != "GATEWAY_ADMIN_PASSWORD"}
        run = subprocess.run(demo_command(gateway.url, password_file, result_file, seed), capture_output=True,
                             text=True, timeout=420, env=env, check=False)
        assert run.returncode == 0, f"demo exited {run.returncode}\n{run.stdout[-6000:]}\n{run.stderr[-6000:]}"
        return gateway, containers, json.loads(result_file.read_text()), run.stdout
    except BaseException:
        stop(gateway, containers)
        raise


def stop(gateway, containers) -> None:
    if gateway is not None:
        stack.stop_gateway(gateway)
    for container in containers:
        container.stop()


@pytest.fixture(scope="module")
def played(amqp_uri, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    (tmp / "gateway").mkdir()
    previous = os.environ.get("RKPD_OUTPUT_DIR")
    os.environ["RKPD_OUTPUT_DIR"] = str(tmp / "rkpd")  # the in-process RKPD renders here
    try:
        gateway, containers, result, output = play(amqp_uri, tmp, "e2ecycle")
        try:
            plan = build_plan(load_reference(), seed=SEED, scale=SCALE, territory=TERRITORY, tahun=TAHUN)
            played = Played(gateway, containers, result, output, plan)
        except BaseException:
            stop(gateway, containers)
            raise
        try:
            yield played
        finally:
            played.stop()
    finally:
        if previous is None:
            os.environ.pop("RKPD_OUTPUT_DIR", None)
        else:
            os.environ["RKPD_OUTPUT_DIR"] = previous


VERSIONS = ["rancangan awal", "rancangan", "rancangan akhir", "penetapan"]


def penetapan(played) -> dict:
    return played.result["versions"]["penetapan"]


@pytest.fixture(scope="module")
def document(played):
    """The RKPD penetapan."""
    return played.get(f"/v1/rkpd/{TAHUN}/document?nomor={penetapan(played)['nomor']}").json["document"]


# -- the run itself ------------------------------------------------------------------------------


def test_the_demo_played_the_calendar_in_order(played):
    out = played.output
    stages = ("RKPD RANCANGAN AWAL", "renja draft: rows drafted", "usulan created", "desa decisions",
              "kecamatan forums closed", "forum PD: decisions", "recorded and closed with its berita acara",
              "RKPD RANCANGAN:", "reviewed by Bappeda", "disposed to their OPD", "pokir: stage closed",
              "musrenbang RKPD: forum closed", "RKPD RANCANGAN AKHIR", "RKPD PENETAPAN", "made final")
    for stage in stages:
        assert stage in out, stage
    # the calendar's order (Renja drafts and Musrenbang desa run side by side, so only each one's order)
    for earlier, later in (("RKPD RANCANGAN AWAL", "usulan created"),
                           ("kecamatan forums closed", "forum PD: decisions"),
                           ("recorded and closed with its berita acara", "RKPD RANCANGAN:"),
                           ("RKPD RANCANGAN:", "reviewed by Bappeda"), ("pokir: stage closed", "musrenbang RKPD"),
                           ("musrenbang RKPD: forum closed", "RKPD RANCANGAN AKHIR"),
                           ("RKPD RANCANGAN AKHIR", "RKPD PENETAPAN"), ("RKPD PENETAPAN", "made final")):
        assert out.index(earlier) < out.index(later), (earlier, later)
    result = played.result
    assert result["problems"] == []
    assert result["published"]["versi"] == "penetapan"
    # the plan exercised every path, so the checks below cover them
    plan = played.plan
    statuses = {u.status_akhir for u in plan.usulan}
    assert {"ditarik", "ditolak", "digabung", "diakomodasi", "tidak diakomodasi"} <= statuses, statuses
    assert any(u.follow_up and u.follow_up.then for u in plan.routed_usulan() + plan.layak_pokir())  # a re-route
    assert any(r.via_inbox for r in plan.rows) and any(not r.via_inbox and r.sources for r in plan.rows)
    assert any(p.overlaps is not None for p in plan.pokir) and any(not p.layak for p in plan.pokir)


def test_the_four_rkpd_versions_appear_in_order_each_assembled_by_the_system(played):
    result = played.result["versions"]
    assert list(result) == VERSIONS
    versions = {v["nomor"]: v for v in played.get(f"/v1/rkpd/{TAHUN}/versions").json["versions"]}
    numbers = [result[versi]["nomor"] for versi in VERSIONS]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    for versi in VERSIONS:
        listed = versions[result[versi]["nomor"]]
        assert listed["versi"] == versi and listed["content_hash"] == result[versi]["content_hash"]
    docs = {versi: played.get(f"/v1/rkpd/{TAHUN}/document?nomor={result[versi]['nomor']}").json["document"]
            for versi in VERSIONS}
    assert all(docs[v]["versi"] == v and docs[v]["tata_urutan"] == "permendagri_86_2017" for v in VERSIONS)
    # the demo asks for no assembly: the rancangan comes from the Forum PD closes, the rancangan akhir
    # from the Musrenbang RKPD close (what each was assembled from is in its inputs)
    assert "/assemble" not in played.output and "promote" not in played.output
    assert set(docs["rancangan awal"]["inputs"]) >= {"prioritas", "pagu_indikatif"}
    assert "forum_pd" in docs["rancangan"]["inputs"] and "musrenbang_rkpd" not in docs["rancangan"]["inputs"]
    assert "musrenbang_rkpd" in docs["rancangan akhir"]["inputs"]
    assert docs["penetapan"]["perkada"]["nomor"] == played.plan.perkada_nomor()
    # the rancangan awal comes before any usulan; the rancangan holds those decided at the Forum PD, the
    # rancangan akhir the pokir too (reviewed after the Forum PD), as the penetapan
    assert docs["rancangan awal"]["lampiran"]["usulan"] == [] and docs["rancangan awal"]["lampiran"]["pokir"] == []
    assert len(docs["rancangan"]["lampiran"]["usulan"]) == len(played.plan.usulan)
    assert docs["rancangan"]["lampiran"]["pokir"] == []
    assert len(docs["rancangan akhir"]["lampiran"]["pokir"]) == len(played.plan.pokir)


def test_every_accommodated_items_attributable_money_is_inside_its_line(played, document):
    lines = {line["row_id"]: line for line in document["tabel_v"]["baris"] if line["tingkat"] == "sub_kegiatan"}
    for line in lines.values():
        attributed = sum((D(i["attributable"]) for i in line.get("akomodasi") or []), D(0))
        assert attributed <= D(line["pagu_n"]), line["kode"]
        assert D(line.get("atribusi") or 0) == attributed, line["kode"]
    plan, result = played.plan, played.result
    accommodated = [("usulan", u, result["usulan"][str(u.n)]["id"], u.cost_final) for u in plan.routed_usulan()
                    if u.follow_up.final.decision == ACCOMMODATE]
    accommodated += [("pokir", p, result["pokir"][str(p.n)], p.cost) for p in plan.layak_pokir()
                     if p.follow_up.final.decision == ACCOMMODATE]
    assert {kind for kind, *_ in accommodated} == {"usulan", "pokir"}
    modes = set()
    for kind, x, ident, cost in accommodated:
        final = x.follow_up.final
        line = lines[result["rows"][final.row]]
        entry = [i for i in line["akomodasi"] if i["source_id"] == ident]
        assert len(entry) == 1 and entry[0]["kind"] == kind, (kind, x.n)
        assert entry[0]["mode"] == final.mode and D(entry[0]["attributable"]) == D(cost), (kind, x.n)
        modes.add(final.mode)
    assert modes == {"baris_baru", "tambah", "sudah_tercakup"}


def test_a_pokir_bappeda_found_tidak_layak_reached_no_opd(played, document):
    inbox = {i["source_id"] for i in played.all(f"/v1/renja/{TAHUN}/inbox")}
    pokir = {p["id"]: p for p in played.all(f"/v1/pokir/{TAHUN}/pokir")}
    for planned in played.plan.pokir:
        ident = played.result["pokir"][str(planned.n)]
        review = pokir[ident]["review"]
        assert review["status"] == ("layak" if planned.layak else "tidak_layak"), planned.n
        assert (ident in inbox) == planned.layak, planned.n
        if not planned.layak and planned.kajian["duplikat_usulan"] is not None:
            assert review["kajian"]["duplikat_usulan"] == played.result["usulan"][str(planned.overlaps)]["id"]
    kajian = {k["pokir_id"]: k for k in document["lampiran"]["kajian_pokir"]}  # the annex's review table
    assert set(kajian) == set(played.result["pokir"].values())
    assert all(kajian[played.result["pokir"][str(p.n)]]["status"] == ("layak" if p.layak else "tidak_layak")
               for p in played.plan.pokir)


# -- annexes: every usulan and pokir with its final decision -------------------------------------


def _final_from_services(usulan: dict, inbox: dict[str, list[dict]]) -> str:
    """The final status as the services report it: the last Musrenbang decision, and for an usulan
    accepted at its kecamatan forum (routed to its OPD when the forum closed) the OPD's (last) inbox
    decision at the Forum PD."""
    decisions = usulan["decisions"]
    if usulan["status"] == "withdrawn":
        return "ditarik"
    kecamatan = [d for d in decisions if d["level"] == "kecamatan"]
    if not kecamatan or kecamatan[-1]["status"] not in ("diterima", "diterima dengan perubahan"):
        return decisions[-1]["status"]
    decided = [i for i in inbox.get(usulan["id"], []) if i["status"] != "menunggu"]
    final = max(decided, key=lambda i: i["decision"]["decided_at"])
    return {"diakomodasi": "diakomodasi", "ditolak": "tidak diakomodasi"}[final["status"]]


def test_every_usulan_is_in_the_annex_with_its_final_decision(played, document):
    usulan = played.all(f"/v1/musrenbang/{TAHUN}/usulan")
    inbox: dict[str, list[dict]] = {}
    for item in played.all(f"/v1/renja/{TAHUN}/inbox"):
        inbox.setdefault(item["source_id"], []).append(item)
    annex = {record["id"]: record for record in document["lampiran"]["usulan"]}
    assert len(usulan) == len(played.plan.usulan) == len(annex)
    by_id = {u["id"]: u for u in usulan}
    for planned in played.plan.usulan:
        ident = played.result["usulan"][str(planned.n)]["id"]
        record, u = annex[ident], by_id[ident]
        assert record["tracking_code"] == u["tracking_code"]
        assert record["status_akhir"] == _final_from_services(u, inbox) == planned.status_akhir, (planned.n, record)
        if planned.decisions:
            _, decision = planned.decisions[-1]
            if decision.reason and record["status_akhir"] in ("ditolak", "digabung"):
                assert record["alasan_akhir"] == decision.reason
        if record["status_akhir"] == "tidak diakomodasi":
            assert record["alasan_opd"] == planned.follow_up.final.reason
        assert D(record["cost_akhir"]) == (D(planned.cost_final) if planned.decisions else D(planned.cost))


def test_every_pokir_is_in_the_annex_with_its_follow_up(played, document):
    pokir = {p["id"]: p for p in played.all(f"/v1/pokir/{TAHUN}/pokir")}
    annex = {record["id"]: record for record in document["lampiran"]["pokir"]}
    assert len(pokir) == len(played.plan.pokir) == len(annex)
    for planned in played.plan.pokir:
        ident = played.result["pokir"][str(planned.n)]
        assert annex[ident]["status"] == pokir[ident]["status"] == planned.status_akhir, planned.n
        assert D(annex[ident]["cost"]) == D(planned.cost)
        if planned.status_akhir == "tidak diakomodasi":  # the OPD's reason, or Bappeda's kajian
            expected = planned.follow_up.final.reason if planned.layak else planned.catatan_kajian
            assert expected in annex[ident]["alasan"], planned.n
    # the pokir that repeat an usulan (same desa, kamus item and text) are flagged with it
    flagged = {o["pokir_id"]: {u["usulan_id"] for u in o["usulan"]}
               for o in played.get(f"/v1/pokir/{TAHUN}/overlaps").json}
    for planned in played.plan.pokir:
        if planned.overlaps is not None:
            usulan_id = played.result["usulan"][str(planned.overlaps)]["id"]
            assert usulan_id in flagged[played.result["pokir"][str(planned.n)]], planned.n


# -- chapter V ------------------------------------------------------------------------------------


def test_every_accommodated_usulan_traces_to_its_chapter_v_line(played, document):
    accommodated = [u for u in played.plan.routed_usulan() if u.follow_up.final.decision == ACCOMMODATE]
    assert accommodated
    first = played.result["versions"]["rancangan"]["nomor"]
    for planned in accommodated:
        ident = played.result["usulan"][str(planned.n)]["id"]
        row_id = played.result["rows"][planned.follow_up.final.row]

        def traced(ident=ident):
            trace = played.get(f"/v1/usulan/{ident}/trace").json
            return trace if trace["rkpd"]["status"] == "ok" and trace["rkpd"]["data"]["baris"] else None

        trace = wait_for(traced, timeout=30, interval=0.5, what=f"the trace of usulan {planned.n}")
        assert trace["partial"] is False
        decided = [i for i in trace["renja"]["data"]["inbox"] if i["status"] == "diakomodasi"]
        assert [i["decision"].get("row_id") or i["decision"]["renja_row_id"] for i in decided] == [row_id]
        rkpd = trace["rkpd"]["data"]
        assert rkpd["versi"]["nomor"] >= first
        assert rkpd["lampiran"]["status_akhir"] == "diakomodasi"
        lines = [line for line in rkpd["baris"] if line["row_id"] == row_id]
        assert len(lines) == 1 and lines[0]["tingkat"] == "sub_kegiatan"
        assert lines[0]["kode"] == played.plan.kamus_item(planned.kamus).sub_kegiatan
        assert lines[0] in document["tabel_v"]["baris"]


def test_chapter_v_totals_per_opd_equal_the_renja_rows(played, document):
    rows = played.all(f"/v1/renja/{TAHUN}/rows")
    assert len(rows) == len(played.plan.rows)
    assert {r["row_id"] for r in rows} == set(played.result["rows"].values())
    per_opd: dict[str, list[Decimal]] = {}
    for r in rows:
        sums = per_opd.setdefault(r["opd"], [D(0), D(0)])
        sums[0] += D(r["pagu_n"])
        sums[1] += D(r["pagu_n1"])
    lines = {line["opd"]: line for line in document["tabel_v"]["baris"] if line["tingkat"] == "opd"}
    assert set(lines) == set(per_opd) == set(TERRITORY.opd)
    for opd, (total_n, total_n1) in per_opd.items():
        assert D(lines[opd]["pagu_n"]) == total_n and D(lines[opd]["pagu_n1"]) == total_n1, opd
        assert (int(total_n), int(total_n1)) == played.plan.rows_total(opd)
    leaves = [line for line in document["tabel_v"]["baris"] if line["tingkat"] == "sub_kegiatan"]
    assert sorted(line["row_id"] for line in leaves) == sorted(r["row_id"] for r in rows)
    grand = sum(t[0] for t in per_opd.values())
    assert D(document["grand_total"]["pagu_n"]) == D(document["tabel_v"]["total_n"]) == grand
    assert D(document["grand_total"]["pagu_n1"]) == sum(t[1] for t in per_opd.values())
    totals = {t["opd"]: t for t in played.get(f"/v1/renja/{TAHUN}/totals").json}
    assert all(t["status"] == "final" and D(t["total_n"]) == per_opd[o][0] for o, t in totals.items())


# -- the rendered files agree with the JSON -------------------------------------------------------


def _file(played, fmt: str, nomor: int) -> bytes:
    answer = played.get(f"/v1/rkpd/{TAHUN}/files/{fmt}?nomor={nomor}")
    assert answer.headers["x-content-sha256"] == hashlib.sha256(answer.body).hexdigest()
    assert answer.headers["x-content-sha256"] == penetapan(played)["files"][fmt]["sha256"]
    return answer.body


def _money(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def _rupiah_text(value: Decimal) -> str:
    """The renderers' Indonesian grouping: 1234567.5 -> 1.234.567,50."""
    return f"{value:,.2f}".translate(str.maketrans({",": ".", ".": ","}))


def test_the_xlsx_agrees_with_the_json(played, document):
    workbook = load_workbook(io.BytesIO(_file(played, "xlsx", penetapan(played)["nomor"])), read_only=True)
    rows = [list(r) for r in workbook["Tabel V"].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if "Pagu Indikatif (Rp)" in r)
    pagu_n = rows[header].index("Pagu Indikatif (Rp)")
    pagu_n1 = rows[header].index("Pagu Indikatif (Rp)", pagu_n + 1)
    first = next(i for i, r in enumerate(rows) if r and r[0] == "(1)") + 1
    last = next(i for i, r in enumerate(rows) if r and r[0] == "JUMLAH")
    lines = document["tabel_v"]["baris"]
    table = rows[first:last]
    # line for line: the code, and the pagu N / N+1 of every level (OPD totals included)
    assert [r[0] for r in table] == [line["kode"] for line in lines]
    assert [(_money(r[pagu_n]), _money(r[pagu_n1])) for r in table] == \
        [(D(line["pagu_n"]), D(line["pagu_n1"])) for line in lines]
    opd_rows = {r[0]: _money(r[pagu_n]) for r, line in zip(table, lines, strict=True) if line["tingkat"] == "opd"}
    assert opd_rows == {line["opd"]: D(line["pagu_n"]) for line in lines if line["tingkat"] == "opd"}
    assert _money(rows[last][pagu_n]) == D(document["grand_total"]["pagu_n"])
    assert _money(rows[last][pagu_n1]) == D(document["grand_total"]["pagu_n1"])
    usulan_sheet = [list(r) for r in workbook["Lampiran Usulan"].iter_rows(values_only=True)]
    codes = {u["tracking_code"] for u in document["lampiran"]["usulan"]}
    assert codes <= {c for r in usulan_sheet for c in r if isinstance(c, str)}
    pokir_rows = [list(r) for r in workbook["Lampiran Pokir"].iter_rows(values_only=True)]
    assert next(r for r in pokir_rows if r and isinstance(r[0], str) and r[0].startswith("JUMLAH"))[0] == \
        f"JUMLAH ({len(document['lampiran']['pokir'])} pokir)"


def test_the_pdf_agrees_with_the_json(played, document):
    reader = PdfReader(io.BytesIO(_file(played, "pdf", penetapan(played)["nomor"])))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = " ".join(text.split())
    for bab in document["bab"]:  # every chapter heading, in order
        assert f"BAB {bab['nomor']} {bab['judul']}" in flat, bab["judul"]
    positions = [flat.index(f"BAB {bab['nomor']} {bab['judul']}") for bab in document["bab"]]
    assert positions == sorted(positions)
    assert f"Total pagu indikatif: Rp{_rupiah_text(D(document['grand_total']['pagu_n']))}" in flat
    for line in document["tabel_v"]["baris"]:
        if line["tingkat"] == "opd":  # the OPD's line of the table: its code, then its totals
            at = flat.index(line["opd"] + " ")
            row = flat[at:at + 400]
            assert _rupiah_text(D(line["pagu_n"])) in row and _rupiah_text(D(line["pagu_n1"])) in row, line["opd"]
    for record in document["lampiran"]["usulan"]:
        assert record["tracking_code"] in flat


def test_the_published_files_are_the_penetapan(played):
    published = played.result["published"]
    index = played.get(f"/v1/public/rkpd/{PEMDA}/{TAHUN}", token=None).json
    entry = next(v for v in index["versi"] if v["nomor"] == published["nomor"])
    assert entry["content_hash"] == published["content_hash"]
    for fmt, meta in entry["files"].items():
        answer = played.get(f"/v1/public/rkpd/{PEMDA}/{TAHUN}/{fmt}?nomor={entry['nomor']}", token=None)
        assert hashlib.sha256(answer.body).hexdigest() == meta["sha256"] == published["files"][fmt]["sha256"]
    document = played.get(f"/v1/rkpd/{TAHUN}/document?nomor={entry['nomor']}").json["document"]
    public_json = json.loads(played.get(f"/v1/public/rkpd/{PEMDA}/{TAHUN}/json", token=None).body)
    assert public_json == document and document["versi"] == "penetapan"


# -- determinism: the same seed gives the same document ------------------------------------------


def test_same_seed_same_hash(played, amqp_uri, tmp_path_factory):
    """A second run of the same seed on fresh databases gives the same RKPD: the same ids (derived
    from the Idempotency-Keys), the same content hash of each of the four versions, the same files.
    It stops the first run's stack (the two would share the vhost's queues), so it comes last."""
    first = played.result
    played.stop()
    tmp = tmp_path_factory.mktemp("e2e-again")
    (tmp / "gateway").mkdir()
    previous = os.environ["RKPD_OUTPUT_DIR"]
    os.environ["RKPD_OUTPUT_DIR"] = str(tmp / "rkpd")
    try:
        gateway, containers, result, _ = play(amqp_uri, tmp, "e2ecycle2")
        stop(gateway, containers)
    finally:
        os.environ["RKPD_OUTPUT_DIR"] = previous
    assert result["usulan"] == first["usulan"] and result["pokir"] == first["pokir"]
    assert result["rows"] == first["rows"]
    assert {v: x["content_hash"] for v, x in result["versions"].items()} == \
        {v: x["content_hash"] for v, x in first["versions"].items()}
    assert list(result["versions"]) == VERSIONS
    assert result["published"]["content_hash"] == first["published"]["content_hash"]
    assert {f: m["sha256"] for f, m in result["versions"]["penetapan"]["files"].items()} == \
        {f: m["sha256"] for f, m in first["versions"]["penetapan"]["files"].items()}
