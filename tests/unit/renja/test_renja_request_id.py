"""Deterministic renja row ids: create_row with a request_id (the gateway's Idempotency-Key) and the
row an inbox item is accommodated into. The retry logic runs on a small in-memory repository."""
import uuid

import pytest

from eplanning_common.errors import Conflict, NotFound, ValidationError
from renja import domain, inbox_actions, row_actions
from renja.domain import InboxStatus, accommodate, reroute

from renja_builders import (OPD_DIKES, OPD_PERKIM, OPD_PU, OPERATOR_DIKES, OPERATOR_PERKIM, OPERATOR_PU, PEMDA,
                            TAHUN, at, item, make_row)


class Proceeds(Exception):
    """Raised where create goes on to make a new row (the renja state check)."""


class Result:
    def __init__(self, row=None):
        self.row = row

    def first(self):
        return self.row


class Uow:
    def __init__(self, deleted_ids=()):
        self.deleted_ids, self.statements, self.emitted = set(deleted_ids), [], []

    def execute(self, statement, params=None):
        self.statements.append(str(statement))
        if "outbox" in str(statement):  # the row.deleted lookup: a hit when the id is among its parameters
            values = set(map(str, statement.compile().params.values()))
            return Result((1,) if values & self.deleted_ids else None)
        return Result()

    def emit(self, *args):
        self.emitted.append(args)


class Repo:
    def __init__(self, rows=(), deleted_ids=()):
        self.rows = {r.id: r for r in rows}
        self.uow = Uow(deleted_ids)

    def row(self, row_id, lock=False):
        if row_id not in self.rows:
            raise NotFound(f"Baris Renja {row_id} tidak ditemukan", code="row_not_found")
        return self.rows[row_id], 3, PEMDA

    def cycle(self, pemda, tahun):
        raise Proceeds()


ROW_ID = row_actions.row_id_for(PEMDA, TAHUN, "renja-row-0001")


def create(repo, actor=OPERATOR_PU, opd=OPD_PU, request_id="renja-row-0001"):
    return row_actions.create(repo, actor, opd, TAHUN, {"sub_kegiatan": "x"}, request_id=request_id)


def test_the_row_id_is_uuid5_of_pemda_tahun_and_request_id_under_a_fixed_namespace():
    assert ROW_ID == str(uuid.uuid5(uuid.UUID("4dc29b2c-ebca-499a-b12c-7cdf2a629bf2"), "12.21/2028/renja-row-0001"))
    assert row_actions.row_id_for(PEMDA, TAHUN + 1, "renja-row-0001") != ROW_ID
    assert row_actions.row_id_for("12.20", TAHUN, "renja-row-0001") != ROW_ID


@pytest.mark.parametrize("bad", ["short", "x" * 201, "ada spasi", "baris/1/2/3", 12345678, ""])
def test_a_malformed_request_id_is_a_field_error_and_touches_nothing(bad):
    repo = Repo()
    with pytest.raises(ValidationError) as info:
        create(repo, request_id=bad)
    assert [e["field"] for e in info.value.payload["errors"]] == ["request_id"]
    assert repo.uow.statements == []


def test_a_retry_of_the_same_opd_gets_the_row_it_made_without_writing():
    existing = make_row(ROW_ID)
    repo = Repo(rows=[existing])
    answer = create(repo)  # no Proceeds: neither the renja state nor the ceiling is looked at again
    assert answer["row_id"] == ROW_ID and answer["version"] == 3 and answer["tahun"] == TAHUN
    assert answer["opd"] == OPD_PU and repo.uow.emitted == []
    assert any("pg_advisory_xact_lock" in s for s in repo.uow.statements)


def test_another_opds_request_id_is_a_conflict():
    repo = Repo(rows=[make_row(ROW_ID, opd=OPD_DIKES)])
    with pytest.raises(Conflict) as info:
        create(repo)
    assert info.value.payload["code"] == "request_id_taken" and repo.uow.emitted == []


def test_an_operator_of_another_opd_is_refused_before_the_lookup():
    repo = Repo(rows=[make_row(ROW_ID)])
    with pytest.raises(domain.Forbidden):
        create(repo, actor=OPERATOR_DIKES)  # asks for PU's renja
    assert repo.uow.statements == []


def test_the_id_of_a_deleted_row_is_never_reused():
    repo = Repo(deleted_ids={ROW_ID})
    with pytest.raises(Conflict) as info:
        create(repo)
    assert info.value.payload["code"] == "request_id_taken" and "dihapus" in info.value.payload["detail"]


def test_a_new_request_id_goes_on_to_create():
    repo = Repo(deleted_ids={"some-other-row"})
    with pytest.raises(Proceeds):
        create(repo)


def test_without_request_id_nothing_is_looked_up():
    repo = Repo()
    with pytest.raises(Proceeds):
        create(repo, request_id=None)
    assert repo.uow.statements == []


# -- the row an inbox item is accommodated into --------------------------------------------------

def test_the_accommodated_row_id_is_uuid5_of_the_item_id():
    it = item("usulan-9")
    expected = uuid.uuid5(uuid.UUID("648de1a5-f84e-4c5e-9001-e58b8e082378"), f"{it.id}/row")
    assert inbox_actions.accommodated_row_id(it.id) == str(expected)


def test_each_item_is_accommodated_at_most_once_so_its_row_id_is_unique():
    original = item("usulan-10")
    decided, _ = accommodate(original, actor=OPERATOR_PU, row_id=inbox_actions.accommodated_row_id(original.id),
                             at=at(4, 1))
    assert decided.status is InboxStatus.DIAKOMODASI
    with pytest.raises(domain.TransitionRefused):  # decided once: no second new row for this item
        accommodate(decided, actor=OPERATOR_PU, row_id="again", at=at(4, 2))
    # a re-routed item is a new item (its id names the OPD), so its row id differs too
    _, _, moved = reroute(item("usulan-11"), actor=OPERATOR_PU, to_opd=OPD_PERKIM, reason="Bidang perumahan",
                          at=at(4, 1), opds={OPD_PU, OPD_PERKIM, OPD_DIKES})
    _, _, moved_on = reroute(moved, actor=OPERATOR_PERKIM, to_opd=OPD_DIKES, reason="Sanitasi", at=at(4, 2),
                             opds={OPD_PU, OPD_PERKIM, OPD_DIKES})
    ids = {item("usulan-11").id, moved.id, moved_on.id}
    assert len(ids) == 3
    assert len({inbox_actions.accommodated_row_id(i) for i in ids}) == 3
