import hashlib
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pokir.domain import PokirStatus, build_manifest, dispose_to_opd, submitted_set_digest
from pokir_builders import (ANGGOTA_3, BAPPEDA, DESA_C, DRAINASE, PEMDA, TAHUN, at, at_status,
                            create, draft)

S = PokirStatus


def build_pool():
    pool = []
    for i, status in enumerate(list(S) * 2):
        if i % 3 == 0:
            pokir = create(pokir_id=f"p-{i:02d}", actor=ANGGOTA_3, desa=DESA_C, reses_id="R-03",
                           volume=str(10 + i))
        else:
            pokir = draft(f"p-{i:02d}", volume=f"{i}.5", kamus_item_id=DRAINASE.id)
        pool.append(at_status(pokir, status))
    return pool


POOL = build_pool()


def expected_digest(pool):
    records = sorted(({"id": p.id, "volume": format(p.volume.normalize(), "f"),
                       "cost": f"{p.cost:.2f}", "opd": p.kamus_item.opd,
                       "sub_kegiatan": p.kamus_item.sub_kegiatan, "anggota_id": p.anggota_id}
                      for p in pool if p.status.delivered), key=lambda r: r["id"])
    text = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_counts_every_status_with_zeros():
    manifest = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN)
    assert manifest.counts == {s.value: 2 for s in S}
    assert manifest.total == len(POOL) == 16
    empty = build_manifest([], pemda=PEMDA, tahun=TAHUN)
    assert set(empty.counts) == {s.value for s in S} and sum(empty.counts.values()) == 0


def test_totals_of_delivered_and_accommodated():
    manifest = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN)
    delivered = [p for p in POOL if p.status in {S.DISAMPAIKAN, S.DIDISPOSISIKAN,
                                                 S.DIAKOMODASI, S.TIDAK_DIAKOMODASI}]
    assert manifest.disampaikan_count == 8
    assert manifest.disampaikan_cost == sum(p.cost for p in delivered)
    assert manifest.diakomodasi_count == 2
    assert manifest.diakomodasi_cost == Decimal("150000000.00")  # 2 x Renja cost 75,000,000
    assert manifest.as_dict()["disampaikan_cost"] == f"{manifest.disampaikan_cost:.2f}"


def test_digest_is_sha256_of_canonical_json_of_the_delivered_set():
    manifest = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN)
    assert manifest.digest == expected_digest(POOL)
    assert manifest.as_dict()["digest_algorithm"] == "sha256"


def test_digest_ignores_undelivered_pokir_and_follow_up_decisions():
    base = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN).digest
    changed = [replace(p, judul="lain", volume=p.volume + 1) if not p.status.delivered else p
               for p in POOL]
    assert build_manifest(changed, pemda=PEMDA, tahun=TAHUN).digest == base
    rerouted = [dispose_to_opd(p, actor=BAPPEDA, at=at(3, 25), opd="9.99")
                if p.status is S.DISAMPAIKAN else p for p in POOL]
    assert build_manifest(rerouted, pemda=PEMDA, tahun=TAHUN).digest == base


def test_digest_changes_when_a_delivered_record_changes():
    base = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN).digest
    index = next(i for i, p in enumerate(POOL) if p.status.delivered)
    for change in ({"cost": POOL[index].cost + Decimal("0.01")}, {"anggota_id": "A-02"},
                   {"volume": POOL[index].volume + 1}):
        tampered = list(POOL)
        tampered[index] = replace(POOL[index], **change)
        assert build_manifest(tampered, pemda=PEMDA, tahun=TAHUN).digest != base


def test_duplicates_and_foreign_pokir_are_refused():
    with pytest.raises(ValueError):
        build_manifest(POOL + [POOL[0]], pemda=PEMDA, tahun=TAHUN)
    with pytest.raises(ValueError):
        build_manifest(POOL, pemda=PEMDA, tahun=TAHUN + 1)
    with pytest.raises(ValueError):
        build_manifest([replace(POOL[0], pemda="12.20")], pemda=PEMDA, tahun=TAHUN)
    delivered = [p for p in POOL if p.status.delivered][:1]
    from pokir.domain import submitted_record
    with pytest.raises(ValueError):
        submitted_set_digest([submitted_record(delivered[0])] * 2)
    with pytest.raises(ValueError):
        submitted_record(next(p for p in POOL if p.status is S.DRAFT))


@settings(max_examples=60, deadline=None)
@given(st.permutations(POOL))
def test_manifest_is_independent_of_order(shuffled):
    assert build_manifest(shuffled, pemda=PEMDA, tahun=TAHUN) == build_manifest(
        POOL, pemda=PEMDA, tahun=TAHUN)
