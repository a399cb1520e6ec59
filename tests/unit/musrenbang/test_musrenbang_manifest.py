import hashlib
import json
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musrenbang.domain import (LEVEL_STATUSES, AcceptedRecord, DecisionStatus, Level,
                               accepted_set_digest, build_manifest, canonical_json, sha256_hex,
                               status_at, withdraw)
from musrenbang_builders import (DRAINASE, PEMDA, TAHUN, accepted_through, at, decided, draft,
                                 schedule, submitted)

D, K, B = Level.DESA, Level.KECAMATAN, Level.KABUPATEN
S = DecisionStatus


def build_pool(n: int = 40):
    """Usulan in every state the manifest must count."""
    target = accepted_through(submitted("t-000", volume="7"), D)
    pool = []
    for i in range(n):
        uid, volume = f"u-{i:03d}", str(1 + (i * 37) % 400)
        kind = i % 10
        if kind == 0:
            u = draft(uid, volume=volume)
        elif kind == 1:
            u = submitted(uid, volume=volume)
        elif kind == 2:
            u = withdraw(submitted(uid, volume=volume), schedule(), by="op", at=at(1, 11))
        elif kind == 3:
            u = decided(submitted(uid, volume=volume), D, S.DITOLAK, reason="tidak layak").usulan
        elif kind == 4:
            u = accepted_through(submitted(uid, volume=volume), D)
        elif kind == 5:
            u = decided(accepted_through(submitted(uid, volume=volume), D), K, S.DITERIMA_DENGAN_PERUBAHAN,
                        reason="disesuaikan", revised_volume=str(int(volume) + 1)).usulan
        elif kind == 6:
            outcome = decided(accepted_through(submitted(uid, volume=volume), D), K, S.DIGABUNG,
                              reason="sama", target=target)
            u, target = outcome.usulan, outcome.merge_target
        elif kind == 7:
            u = decided(accepted_through(submitted(uid, volume=volume), D), K, S.DITOLAK,
                        reason="di luar prioritas").usulan
        elif kind == 8:
            u = accepted_through(submitted(uid, volume="3", kamus_item_id=DRAINASE.id), D, K, B)
        else:
            u = accepted_through(submitted(uid, volume=volume), D, K)
        pool.append(u)
    return pool + [target]


POOL = build_pool()


def test_counts_every_status_at_the_level():
    manifest = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN, level=K)
    assert manifest.counts == {
        "draft": 4, "ditarik": 4, "tidak diteruskan": 8, "belum diputuskan": 5,
        "diterima": 8, "diterima dengan perubahan": 4, "digabung": 4, "ditolak": 4}
    assert manifest.total == 41 and sum(manifest.counts.values()) == 41
    assert manifest.accepted_count == 12


def test_accepted_cost_sums_level_costs_of_accepted_only():
    manifest = build_manifest(POOL, pemda=PEMDA, tahun=TAHUN, level=K)
    expected = sum((u.decision_at(K).cost for u in POOL
                    if u.decision_at(K) and u.decision_at(K).status.accepted), Decimal(0))
    assert manifest.accepted_cost == expected
    merged_cost = sum((u.current_cost for u in POOL if u.merged_into), Decimal(0))
    assert merged_cost > 0 and manifest.accepted_cost < expected + merged_cost


def test_digest_is_what_an_independent_receiver_computes():
    u1 = accepted_through(submitted("u-2", volume="1.50"), D)
    u2 = accepted_through(submitted("u-1", volume="3", kamus_item_id=DRAINASE.id), D)
    manifest = build_manifest([u1, u2], pemda=PEMDA, tahun=TAHUN, level=D)
    # a receiver in any language: sort by id, canonical JSON (sorted keys, no spaces), SHA-256
    records = [
        {"cost": "3750001.50", "id": "u-1", "opd": DRAINASE.opd,
         "sub_kegiatan": DRAINASE.sub_kegiatan, "volume": "3"},
        {"cost": "1125000.00", "id": "u-2", "opd": u1.kamus_item.opd,
         "sub_kegiatan": u1.kamus_item.sub_kegiatan, "volume": "1.5"},
    ]
    text = json.dumps(records, separators=(",", ":"), sort_keys=True)
    assert manifest.digest == hashlib.sha256(text.encode()).hexdigest()
    assert manifest.as_dict()["accepted_cost"] == "4875001.50"


def test_digest_golden_value_guards_the_format():
    record = AcceptedRecord("u-1", Decimal("2.500"), Decimal("10"), "1.03.0.00.0.00.01.0000",
                            "1.03.10.2.01.0001")
    assert canonical_json([record.canonical()]) == (
        b'[{"cost":"10.00","id":"u-1","opd":"1.03.0.00.0.00.01.0000",'
        b'"sub_kegiatan":"1.03.10.2.01.0001","volume":"2.5"}]')
    assert accepted_set_digest([record]) == hashlib.sha256(canonical_json([record.canonical()])).hexdigest()
    assert accepted_set_digest([]) == hashlib.sha256(b"[]").hexdigest()


def test_digest_changes_when_any_accepted_value_changes():
    record = AcceptedRecord("u-1", Decimal("2"), Decimal("10"), "opd", "sub")
    base = accepted_set_digest([record])
    for changed in (replace(record, volume=Decimal("3")), replace(record, cost=Decimal("10.01")),
                    replace(record, opd="opd2"), replace(record, sub_kegiatan="sub2"),
                    replace(record, id="u-2")):
        assert accepted_set_digest([changed]) != base


def test_canonical_json_refuses_floats_and_odd_keys():
    with pytest.raises(TypeError):
        canonical_json({"a": 1.5})
    with pytest.raises(TypeError):
        canonical_json({1: "a"})
    assert canonical_json({"b": Decimal("1.10"), "a": ["é", None, True]}) == (
        '{"a":["é",null,true],"b":"1.1"}'.encode())
    assert sha256_hex({}) == hashlib.sha256(b"{}").hexdigest()


def test_manifest_refuses_duplicates_and_foreign_usulan():
    with pytest.raises(ValueError):
        build_manifest(POOL[:3] + POOL[:1], pemda=PEMDA, tahun=TAHUN, level=D)
    with pytest.raises(ValueError):
        build_manifest(POOL[:3], pemda=PEMDA, tahun=TAHUN + 1, level=D)


# --- properties -----------------------------------------------------------------------------

subsets = st.lists(st.sampled_from(range(len(POOL))), unique=True).map(
    lambda idx: [POOL[i] for i in idx])


@settings(max_examples=100)
@given(subsets, st.sampled_from(list(Level)), st.randoms(use_true_random=False))
def test_manifest_is_the_same_for_any_permutation(items, level, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert build_manifest(shuffled, pemda=PEMDA, tahun=TAHUN, level=level) == build_manifest(
        items, pemda=PEMDA, tahun=TAHUN, level=level)


@settings(max_examples=100)
@given(subsets, st.sampled_from(list(Level)))
def test_manifest_counts_equal_the_counts_of_the_list(items, level):
    manifest = build_manifest(items, pemda=PEMDA, tahun=TAHUN, level=level)
    assert set(manifest.counts) == set(LEVEL_STATUSES)
    expected = Counter(status_at(u, level) for u in items)
    assert {k: v for k, v in manifest.counts.items() if v} == dict(expected)
    assert manifest.total == len(items) == sum(manifest.counts.values())
    accepted = [u for u in items if u.accepted_at(level)]
    assert manifest.accepted_count == len(accepted) == (
        manifest.counts["diterima"] + manifest.counts["diterima dengan perubahan"])
    assert manifest.accepted_cost == sum((u.decision_at(level).cost for u in accepted), Decimal(0))
