"""create_pokir / record_reses with a request_id (the gateway's Idempotency-Key): deterministic ids,
and a retry by the same author returns the pokir already made. The pokir use case runs on a small
in-memory repository (no database: the SQL-level lock is only recorded)."""
import uuid
from decimal import Decimal

import pytest

from pokir.domain import NO_CEILING

from eplanning_common.errors import Conflict, NotFound, ValidationError
from pokir import domain, pokir_actions

from pokir_builders import (ANGGOTA_1, ANGGOTA_3, IN_WINDOW, JALAN, PEMDA, STAF_1, TAHUN, kamus, regions, register,
                            reses, window)

DATA = {"judul": "Rabat beton jalan Dusun II", "permasalahan": "Jalan dusun rusak saat hujan",
        "usulan": "Rabat beton 120 meter", "kamus_item_id": JALAN.id, "volume": "120",
        "desa": "12.21.01.2001", "reses_id": "R-01"}


class Uow:
    def __init__(self):
        self.statements, self.emitted = [], []

    def execute(self, statement, params=None):
        self.statements.append(str(statement))

    def emit(self, routing_key, subject, data, pemda, tahun):
        self.emitted.append((routing_key, subject))


class Repo:
    """Just what pokir_actions.create reads and writes; the rows outlive a unit of work."""

    def __init__(self):
        self.rows = {}
        self.uow = Uow()

    def register(self, pemda):
        return register()

    def kamus_items(self, ids):
        return {k: v for k, v in kamus().items() if k in ids}

    def reses_of(self, anggota_id):
        return [r for r in reses().values() if r.anggota_id == anggota_id]

    def regions(self, pemda):
        return regions()

    def window(self, pemda, tahun):
        return window()

    def policy(self, pemda, tahun):
        return NO_CEILING

    def lock_member(self, anggota_id):
        pass

    def committed_cost(self, anggota_id, tahun, exclude_id=None):
        return Decimal("0")

    def insert_pokir(self, p):
        assert p.id not in self.rows, "a second insert of the same id"
        self.rows[p.id] = (p, 1)

    def pokir(self, pokir_id, lock=False):
        if pokir_id not in self.rows:
            raise NotFound(f"Pokir {pokir_id} tidak ditemukan", code="pokir_not_found")
        return self.rows[pokir_id]


def create(repo, actor=STAF_1, request_id=None, data=DATA):
    return pokir_actions.create(repo, actor, TAHUN, data, IN_WINDOW, request_id=request_id)


def test_ids_are_uuid5_of_pemda_tahun_and_request_id_with_one_namespace_per_kind():
    pokir_id = pokir_actions.id_for(pokir_actions.POKIR_NAMESPACE, PEMDA, TAHUN, "pokir-0001")
    reses_id = pokir_actions.id_for(pokir_actions.RESES_NAMESPACE, PEMDA, TAHUN, "pokir-0001")
    assert pokir_id == str(uuid.uuid5(uuid.UUID("c19b9e7d-835d-4538-a8df-a26c1d2643f6"), "12.21/2028/pokir-0001"))
    assert reses_id == str(uuid.uuid5(uuid.UUID("e9012790-e111-41c0-ae80-73f55dae9b9f"), "12.21/2028/pokir-0001"))
    assert pokir_id != reses_id
    assert pokir_id != pokir_actions.id_for(pokir_actions.POKIR_NAMESPACE, PEMDA, TAHUN + 1, "pokir-0001")


@pytest.mark.parametrize("bad", ["short", "x" * 201, "ada spasi", "a/b/c/d/e", 123456789, ""])
def test_a_malformed_request_id_is_a_field_error_and_touches_nothing(bad):
    repo = Repo()
    with pytest.raises(ValidationError) as info:
        create(repo, request_id=bad)
    assert [e["field"] for e in info.value.payload["errors"]] == ["request_id"]
    assert repo.rows == {} and repo.uow.statements == []


def test_the_same_request_id_twice_makes_one_pokir_and_one_event():
    repo = Repo()
    first = create(repo, request_id="pokir-0001")
    pid = pokir_actions.id_for(pokir_actions.POKIR_NAMESPACE, PEMDA, TAHUN, "pokir-0001")
    assert first["id"] == pid and first["created_by"] == STAF_1.sub and first["anggota_id"] == "A-01"
    again = create(repo, request_id="pokir-0001")
    assert again == first
    assert list(repo.rows) == [pid] and repo.uow.emitted == [("pokir.created.v1", pid)]
    assert sum("pg_advisory_xact_lock" in s for s in repo.uow.statements) == 2


def test_the_author_is_the_stored_created_by_not_the_member():
    """A staf ahli made it: the member's own retry with that key is someone else's request."""
    repo = Repo()
    create(repo, actor=STAF_1, request_id="pokir-0002")
    for other in (ANGGOTA_1, ANGGOTA_3):
        with pytest.raises(Conflict) as info:
            create(repo, actor=other, request_id="pokir-0002")
        assert info.value.payload["code"] == "request_id_taken"
    assert len(repo.rows) == 1 and len(repo.uow.emitted) == 1


def test_a_retry_is_answered_even_after_the_deadline():
    repo = Repo()
    first = create(repo, request_id="pokir-0003")
    repo.window = lambda pemda, tahun: pytest.fail("a retry does not check the window again")
    assert create(repo, request_id="pokir-0003") == first


def test_a_refused_pokir_leaves_its_request_id_free():
    repo = Repo()
    with pytest.raises(domain.ValidationError):
        create(repo, request_id="pokir-0004", data={**DATA, "volume": "0"})
    assert repo.rows == {}
    assert create(repo, request_id="pokir-0004")["volume"] == "120"


def test_without_request_id_each_create_is_a_new_random_pokir():
    repo = Repo()
    a, b = create(repo), create(repo)
    assert a["id"] != b["id"] and uuid.UUID(a["id"]).version == uuid.UUID(b["id"]).version == 4
    assert repo.uow.statements == [] and len(repo.uow.emitted) == 2
