"""Sorted listing of usulan against the real RabbitMQ and PostgreSQL: every sort pages through the
whole cycle in the right order with any page size (ties straddling page boundaries included), a
row inserted before the cursor never shifts later pages, cursors belong to their sort; and the
gateway's response schemas (gateway.api.musrenbang) describe what the service really answers."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.config import data_dir
from gateway.api import musrenbang as api
from gateway.api.schemas import field_errors
from musrenbang.service import MusrenbangService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN = "12.21", 2027
KEC_A, KEC_B = "12.21.01", "12.21.02"
DESA_A1, DESA_A2, DESA_B1 = "12.21.01.2001", "12.21.01.2002", "12.21.02.2001"
KAMUS_CSV = (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_text()

IDENTITIES = {
    "bappeda": {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA},
    "desa_a1": {"sub": "op-a1", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_A1},
    "desa_a2": {"sub": "op-a2", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_A2},
    "desa_b1": {"sub": "op-b1", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_B1},
    "kec_a": {"sub": "op-kec-a", "role": "operator_kecamatan", "pemda": PEMDA, "wilayah": KEC_A},
}

# (who, desa, kamus code, volume): equal costs on purpose (DRN-01 x 10 = 8.500.000 four times,
# SPAM-02 x 1 = 95.000.000 twice), so that ties straddle page boundaries
PLAN = [
    ("desa_a1", DESA_A1, "DRN-01", "10"), ("desa_a1", DESA_A1, "DRN-01", "20"),
    ("desa_a2", DESA_A2, "SPAM-02", "1"), ("desa_a1", DESA_A1, "DRN-01", "10"),
    ("desa_b1", DESA_B1, "DRN-01", "10"), ("desa_a2", DESA_A2, "RKS-01", "1"),
    ("desa_a1", DESA_A1, "SPAM-02", "1"), ("desa_b1", DESA_B1, "IRG-01", "1"),
    ("desa_a2", DESA_A2, "DRN-01", "10"), ("desa_a1", DESA_A1, "DRN-01", "5"),
    ("desa_a1", DESA_A1, "DRN-01", "10"),
]


@pytest.fixture(scope="module")
def musrenbang_db():
    return support.service_database("musrenbang", "sort", PEMDA)


@pytest.fixture(scope="module")
def service(amqp_uri, musrenbang_db):
    container = ServiceContainer(MusrenbangService, {"AMQP_URI": amqp_uri, "DATABASE_URL": musrenbang_db,
                                                     "max_workers": 10})
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def rpc(amqp_uri, service):
    proxies, opened = {}, []
    for name, identity in IDENTITIES.items():
        proxy = support.signed_proxy(amqp_uri, identity, timeout=30)
        proxies[name] = proxy.start().musrenbang
        opened.append(proxy)
    yield proxies
    for proxy in opened:
        proxy.stop()


def open_windows():
    now = datetime.now(timezone.utc)
    return [{"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
             "closes_at": (now + timedelta(days=1)).isoformat()} for level in ("desa", "kecamatan", "kabupaten")]


def start_cycle(rpc, tahun):
    rpc["bappeda"].import_kamus(tahun, KAMUS_CSV)
    return rpc["bappeda"].set_schedule(tahun, open_windows())


def create(rpc, tahun, who, desa, kode, volume, gagasan=None):
    return rpc[who].create_usulan(tahun, {
        "desa": desa, "kamus_item_id": f"{PEMDA}/{tahun}/{kode}", "volume": volume,
        "permasalahan": "Masalah di desa", "gagasan": gagasan or f"{kode} sebanyak {volume} di {desa}"})


def payload(error: RemoteError) -> dict:
    return json.loads(error.value)


def refused(call, *args, **kwargs) -> dict:
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    assert info.value.exc_type == "ValidationError"
    return payload(info.value)


@pytest.fixture(scope="module")
def cycle(rpc):
    """The 2027 cycle with PLAN created in order, and one desa decision that changes a current cost."""
    start_cycle(rpc, TAHUN)
    created = [create(rpc, TAHUN, *row) for row in PLAN]
    # the first DRN x 10 is accepted with a larger volume: its current cost (25.500.000) now differs
    # from its original cost (8.500.000); sorting follows the current cost
    changed = rpc["desa_a1"].decide_usulan(created[0]["id"], {"level": "desa", "status": "diterima dengan perubahan",
                                                              "revised_volume": "30", "reason": "Panjang jalan"})
    assert changed["current_cost"] == "25500000.00" and changed["cost"] == "8500000.00"
    created[0] = changed
    return created


def all_pages(proxy, tahun, sort, limit, filters=None):
    ids, cursor, pages = [], None, 0
    while True:
        page = proxy.list_usulan(tahun, filters, cursor, limit, sort)
        assert len(page["items"]) <= limit
        ids += [u["id"] for u in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, pages


def expected(created, sort):
    position = {u["id"]: i for i, u in enumerate(created)}
    keys = {
        "created_at": lambda u: position[u["id"]],
        "current_cost": lambda u: (Decimal(u["current_cost"]), position[u["id"]]),
        "desa": lambda u: (u["desa"], position[u["id"]]),
    }
    ordered = sorted(created, key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))
    return [u["id"] for u in ordered]


@pytest.mark.parametrize("sort", [None, *api.SORTS])
@pytest.mark.parametrize("limit", [1, 3, 4, 200])
def test_every_sort_pages_through_the_cycle_in_order(rpc, cycle, sort, limit):
    ids, pages = all_pages(rpc["bappeda"], TAHUN, sort, limit)
    assert ids == expected(cycle, sort or "created_at")
    assert pages == max(1, -(-len(cycle) // limit))  # no empty trailing page when more rows were promised


def test_cost_order_breaks_ties_by_creation_both_ways(rpc, cycle):
    ids, _ = all_pages(rpc["bappeda"], TAHUN, "current_cost", 2)
    costs = [next(u for u in cycle if u["id"] == i)["current_cost"] for i in ids]
    assert costs == sorted(costs, key=Decimal)
    tied = [u["id"] for u in cycle if u["current_cost"] == "8500000.00"]
    assert len(tied) == 4 and [i for i in ids if i in tied] == tied  # creation order within the tie
    backwards, _ = all_pages(rpc["bappeda"], TAHUN, "-current_cost", 3)
    assert backwards == ids[::-1]  # "-x" is exactly the reverse of "x"


def test_sort_combines_with_filters_and_the_callers_territory(rpc, cycle):
    in_a = [u for u in cycle if u["kecamatan"] == KEC_A]
    ids, _ = all_pages(rpc["kec_a"], TAHUN, "-current_cost", 2)
    assert ids == expected(in_a, "-current_cost")
    mine = [u for u in cycle if u["desa"] == DESA_A1]
    ids, _ = all_pages(rpc["desa_a1"], TAHUN, "current_cost", 2)
    assert ids == expected(mine, "current_cost")
    drn = [u for u in cycle if u["kamus_item"]["kode"] == "DRN-01"]
    ids, _ = all_pages(rpc["bappeda"], TAHUN, "-desa", 2, {"kamus_kode": "DRN-01"})
    assert ids == expected(drn, "-desa")


def test_cursors_belong_to_their_sort_and_unknown_sorts_are_refused(rpc, cycle):
    by_cost = rpc["bappeda"].list_usulan(TAHUN, None, None, 2, "current_cost")["next_cursor"]
    by_default = rpc["bappeda"].list_usulan(TAHUN, None, None, 2)["next_cursor"]
    assert by_cost and by_default
    for sort, cursor in (("desa", by_cost), ("-current_cost", by_cost), (None, by_cost), ("current_cost", by_default),
                         ("current_cost", "c1.bm90LWpzb24"), (None, "12abc")):
        errors = refused(rpc["bappeda"].list_usulan, TAHUN, None, cursor, 2, sort)["errors"]
        assert [e["field"] for e in errors] == ["cursor"], (sort, cursor)
    errors = refused(rpc["bappeda"].list_usulan, TAHUN, None, None, 2, "biaya")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("sort", "unknown_sort")]
    errors = refused(rpc["bappeda"].list_usulan, TAHUN, None, None, 201)["errors"]
    assert [e["field"] for e in errors] == ["limit"]
    assert len(rpc["bappeda"].list_usulan(TAHUN, None, None, 200)["items"]) == len(cycle)  # the gateway's cap


def test_a_row_inserted_before_the_cursor_does_not_shift_later_pages(rpc):
    tahun = 2029
    start_cycle(rpc, tahun)
    made = [create(rpc, tahun, "desa_a1", DESA_A1, "DRN-01", v) for v in ("10", "20", "30", "40", "50", "60")]
    first = rpc["bappeda"].list_usulan(tahun, None, None, 3, "current_cost")
    assert [u["id"] for u in first["items"]] == [u["id"] for u in made[:3]]
    cheapest = create(rpc, tahun, "desa_a1", DESA_A1, "DRN-01", "1")  # sorts before the cursor
    rest = rpc["bappeda"].list_usulan(tahun, None, first["next_cursor"], 3, "current_cost")
    assert [u["id"] for u in rest["items"]] == [u["id"] for u in made[3:]]  # an offset pager would repeat one
    assert rest["next_cursor"] is None
    again, _ = all_pages(rpc["bappeda"], tahun, "current_cost", 3)
    assert again[0] == cheapest["id"] and len(again) == 7


# -- the gateway's response schemas against the real answers ------------------------------------------

def conforms(answer, schema, what):
    errors = field_errors(answer, schema)
    assert not errors, f"{what}: {errors}\n{json.dumps(answer, indent=1, default=str)[:3000]}"
    return answer


def test_gateway_response_schemas_describe_the_real_answers(rpc):
    tahun = 2030
    conforms(start_cycle(rpc, tahun), api.SCHEDULE, "set_schedule")
    conforms({"items": rpc["bappeda"].list_kamus(tahun)}, api.KAMUS_LIST, "list_kamus")
    conforms(rpc["bappeda"].import_kamus(tahun, KAMUS_CSV), api.KAMUS_IMPORTED, "import_kamus")
    conforms(rpc["bappeda"].set_criteria(tahun, [{"name": "urgensi", "weight": "0.6", "max_score": 5},
                                                 {"name": "manfaat", "weight": 1, "max_score": 5}]),
             api.CRITERIA, "set_criteria")
    full = {**api.EXAMPLE_CREATE, "kamus_item_id": f"{PEMDA}/{tahun}/DRN-01"}
    a = conforms(rpc["desa_a1"].create_usulan(tahun, full), api.USULAN, "create_usulan")
    b = conforms(create(rpc, tahun, "desa_a1", DESA_A1, "DRN-01", "40", a["gagasan"] + " sisi kiri"), api.USULAN,
                 "create_usulan (minimal)")
    draft = rpc["desa_a2"].create_usulan(tahun, {**full, "desa": DESA_A2, "lampiran": None}, submit=False)
    conforms(draft, api.USULAN, "create_usulan (draft)")
    conforms(rpc["desa_a2"].submit_usulan(draft["id"]), api.USULAN, "submit_usulan")
    edited = rpc["desa_a2"].update_usulan(draft["id"], api.merge_patch(draft, {"volume": 12.5, "alamat": None}), 2)
    conforms(edited, api.USULAN, "update_usulan")
    assert edited["volume"] == "12.5" and edited["lampiran"] == draft["lampiran"] == []
    conforms(rpc["desa_a2"].withdraw_usulan(draft["id"], None), api.USULAN, "withdraw_usulan")
    for u in (a, b):
        conforms(rpc["desa_a1"].decide_usulan(u["id"], {"level": "desa", "status": "diterima"}), api.USULAN, "decide")
    conforms(rpc["kec_a"].score_usulan(a["id"], {"urgensi": 5, "manfaat": 4}), api.SCORED, "score_usulan")
    conforms(rpc["kec_a"].ranking(tahun, KEC_A), api.RANKING, "ranking")
    pairs = conforms({"tahun": tahun, "kecamatan": KEC_A, "items": rpc["kec_a"].duplicates(tahun, KEC_A)},
                     api.DUPLICATES, "duplicates")
    assert pairs["items"], "a and b are meant to be flagged"
    rpc["kec_a"].decide_usulan(b["id"], {"level": "kecamatan", "status": "digabung", "merge_target_id": a["id"],
                                         "reason": "Lokasi sama"})
    rpc["kec_a"].decide_usulan(a["id"], {"level": "kecamatan", "status": "diterima dengan perubahan",
                                         "revised_volume": "150", "reason": "Digabung dengan sisi kiri"})
    conforms(rpc["kec_a"].close_kecamatan(tahun, KEC_A, api.EXAMPLE_FORUM_CLOSE), api.FORUM_CLOSED, "close_kecamatan")
    conforms(rpc["kec_a"].ranking(tahun, KEC_A), api.RANKING, "ranking (frozen)")
    conforms(rpc["kec_a"].berita_acara(tahun, KEC_A), api.BERITA_ACARA, "berita_acara")
    rpc["bappeda"].decide_usulan(a["id"], {"level": "kabupaten", "status": "diterima"})
    conforms(rpc["bappeda"].get_usulan(a["id"]), api.USULAN_DETAIL, "get_usulan")
    conforms(rpc["bappeda"].list_usulan(tahun, None, None, 50, "-current_cost"), api.page_of(api.USULAN),
             "list_usulan")
    until = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    conforms(rpc["bappeda"].change_schedule(tahun, "extend", "kabupaten", "Menunggu rapat TAPD", until),
             api.SCHEDULE, "change_schedule")
    conforms(rpc["bappeda"].close_stage(tahun), api.STAGE_CLOSED, "close_stage")
    conforms(rpc["bappeda"].get_schedule(tahun), api.SCHEDULE, "get_schedule (closed)")
    conforms(rpc["bappeda"].change_schedule(tahun, "reopen", "kabupaten", "Perubahan RKPD"), api.SCHEDULE,
             "change_schedule (reopen a closed stage)")
