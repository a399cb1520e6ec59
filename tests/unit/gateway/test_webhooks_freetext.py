"""Free text of events is not passed on to webhook partners unless their pemda opted in (issue #18,
finding 11), driven by the contract's `x-free-text` marks (gateway.webhooks.freetext)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from eplanning_common import contracts
from eplanning_common.envelope import make_event
from gateway.webhooks.freetext import FreeText

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc).isoformat()
PEMDA = "12.21"
NAMED = "Rumah Pak Budi Nasution di Dusun II tergenang"  # free text naming a person

USULAN = {"usulan_id": str(uuid.uuid4()), "tracking_code": "K7M2P9QX", "version": 1, "kecamatan": "12.21.01",
          "desa": "12.21.01.2001", "kamus_kode": "JLN-01", "sub_kegiatan": "1.03.10.2.01.0001",
          "opd": "1.03.0.00.0.00.01.0000", "satuan": "m", "harga_satuan": "750000.00", "volume": "120",
          "cost": "90000000.00", "permasalahan": NAMED, "gagasan": "Drainase depan rumah Pak Budi",
          "submitted_at": NOW}
POKIR = {"pokir_id": str(uuid.uuid4()), "version": 1, "anggota_id": "a01", "dapil": "PL-1", "status": "diajukan",
         "judul": "Sumur bor untuk keluarga Ibu Sari", "permasalahan": NAMED, "usulan": "Sumur bor 2 unit",
         "reses_id": str(uuid.uuid4()), "kecamatan": "12.21.01", "desa": "12.21.01.2001", "kamus_kode": "AIR-01",
         "sub_kegiatan": "1.03.10.2.01.0001", "opd": "1.03.0.00.0.00.01.0000", "satuan": "unit",
         "harga_satuan": "95000000.00", "volume": "2", "cost": "190000000.00", "disposisi_opd": None,
         "akomodasi": None, "alasan_tidak_diakomodasi": None, "changed_at": NOW}


def event(service, routing_key, data, pemda=PEMDA):
    built = make_event(service, routing_key, str(uuid.uuid4()), data, pemda, 2027)
    contracts.validate_event(built)  # what the services really publish
    return built


@pytest.fixture(scope="module")
def free_text():
    return FreeText.from_contract(opted_in={"13.01"})


@pytest.mark.parametrize("routing_key", ["usulan.submitted.v1", "usulan.updated.v1"])
def test_usulan_events_reach_partners_without_permasalahan_and_gagasan(free_text, routing_key):
    published = event("musrenbang", routing_key, USULAN)
    sent = free_text.for_partners(published)
    assert "permasalahan" not in sent["data"] and "gagasan" not in sent["data"]
    assert NAMED not in str(sent)
    assert {k: v for k, v in published["data"].items() if k not in ("permasalahan", "gagasan")} == sent["data"]
    assert published["data"]["permasalahan"] == NAMED  # the published event (internal consumers) is untouched
    assert {k: v for k, v in sent.items() if k != "data"} == {k: v for k, v in published.items() if k != "data"}


@pytest.mark.parametrize("routing_key", ["pokir.created.v1", "pokir.updated.v1", "pokir.submitted.v1",
                                         "pokir.recommended.v1", "pokir.delivered.v1", "pokir.withdrawn.v1"])
def test_pokir_events_reach_partners_without_judul_permasalahan_and_usulan(free_text, routing_key):
    sent = free_text.for_partners(event("pokir", routing_key, POKIR))
    assert not {"judul", "permasalahan", "usulan"} & set(sent["data"])
    assert sent["data"]["cost"] == "190000000.00" and sent["data"]["anggota_id"] == "a01"


def test_the_free_text_of_routed_usulan_and_of_renja_inbox_items_is_left_out_too(free_text):
    routed = {k: v for k, v in USULAN.items() if k not in ("permasalahan", "submitted_at")}
    routed.update(volume_final="100", cost_final="75000000.00", decisions=[{
        "level": "kecamatan", "status": "diterima", "reason": "Disesuaikan pagu", "volume": "100",
        "cost": "75000000.00", "original_volume": "120", "original_cost": "90000000.00", "merge_target": None,
        "decided_at": NOW}])
    sent = free_text.for_partners(event("musrenbang", "usulan.routed.v1", routed))
    assert "gagasan" not in sent["data"] and sent["data"]["decisions"][0]["reason"] == "Disesuaikan pagu"
    inbox = {"item_id": str(uuid.uuid4()), "source": "musrenbang", "source_id": USULAN["usulan_id"],
             "opd": USULAN["opd"], "judul": USULAN["gagasan"], "volume": "100", "cost": "75000000.00",
             "sub_kegiatan": None, "lokasi": "12.21.01.2001", "previous_opds": []}
    assert "judul" not in free_text.for_partners(event("renja", "inbox.received.v1", inbox))["data"]


def test_a_pemda_that_opted_in_sends_its_events_whole(free_text):
    published = event("musrenbang", "usulan.submitted.v1", USULAN, pemda="13.01")
    assert free_text.for_partners(published) == published


def test_events_without_free_text_pass_unchanged(free_text):
    opened = event("pokir", "window.set.v1", {"opens_at": NOW, "closes_at": NOW, "source": "bappeda"})
    assert free_text.for_partners(opened) is opened


def test_the_worker_removes_free_text_before_recording_a_delivery(monkeypatch):
    """WebhookDispatcher.collect (the worker's handlers call it) stores what partners may see."""
    from gateway.webhooks.dispatcher import WebhookDispatcher

    recorded = []
    provider = WebhookDispatcher.__new__(WebhookDispatcher)
    provider.store = type("Store", (), {"collect": lambda self, e: recorded.append(e) or 1})()
    monkeypatch.delenv("GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA", raising=False)
    from gateway.webhooks.settings import WebhookSettings

    provider.settings = WebhookSettings.from_env()
    provider.free_text = FreeText.from_contract(provider.settings.free_text_pemda)
    provider.collect(event("musrenbang", "usulan.submitted.v1", USULAN))
    assert "permasalahan" not in recorded[0]["data"] and "gagasan" not in recorded[0]["data"]


# -- the contract keeps every text property classified ------------------------------------------

# plain-string properties of event data (no pattern/enum/format/const) that are NOT free text:
# codes, ids, names of reference data, reasons of decisions (published in the open data and the
# public tracking page), file locations. A new text property must be added here (reviewed) or be
# marked `x-free-text: true` in contracts/asyncapi.yaml.
NOT_FREE_TEXT = {
    "usulan_id", "tracking_code", "kamus_kode", "sub_kegiatan", "opd", "satuan", "merge_target", "merged_into",
    "reason", "pemda", "closed_by", "pokir_id", "anggota_id", "dapil", "reses_id", "disposisi_opd",
    "alasan_tidak_diakomodasi", "renja_row_id", "tempat", "item_id", "source_id", "lokasi", "row_id",
    "indikator", "kelompok_sasaran", "sumber_dana", "rerouted_to", "location", "versi", "lampiran_id",
}


def _plain_text_properties(doc, node, path, out, depth=0):
    node = contracts._resolve(doc, node)
    if not isinstance(node, dict) or depth > 20:
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(key) or ():
            _plain_text_properties(doc, branch, path, out, depth + 1)
    for name, prop in (node.get("properties") or {}).items():
        resolved = contracts._resolve(doc, prop)
        types = resolved.get("type") if isinstance(resolved.get("type"), list) else [resolved.get("type")]
        if "string" in types and not {"pattern", "enum", "const", "format", "x-free-text"} & set(resolved):
            out.add((path + (name,), name))
        _plain_text_properties(doc, resolved, path + (name,), out, depth + 1)
    if "items" in node:
        _plain_text_properties(doc, node["items"], path + ("[]",), out, depth + 1)


def test_every_text_property_of_every_event_is_classified():
    doc = contracts.load()
    unclassified = set()
    for event_type, message in contracts.messages_by_type(doc).items():
        found = set()
        _plain_text_properties(doc, message["data"], (), found)
        unclassified |= {f"{event_type}: {'.'.join(path)}" for path, name in found if name not in NOT_FREE_TEXT}
    assert not unclassified, ("text properties that are neither marked x-free-text in contracts/asyncapi.yaml "
                              f"nor reviewed as not free text here: {sorted(unclassified)}")


def test_the_contract_marks_the_free_text_of_usulan_and_pokir():
    paths = contracts.free_text_paths()
    assert set(paths["id.eplanning.musrenbang.usulan.submitted.v1"]) == {("permasalahan",), ("gagasan",)}
    assert set(paths["id.eplanning.pokir.pokir.created.v1"]) == {("judul",), ("permasalahan",), ("usulan",)}
