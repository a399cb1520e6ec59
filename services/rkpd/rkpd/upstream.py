"""Reads from the stage services over RPC (reads only, always with a timeout): a resync when a
close manifest does not match what the events brought, and the names the document needs.

RKPD calls with its own signed service identity (`sub` "service:rkpd", role "service_rkpd", the
pemda), a fresh token per call signed with RKPD's key (RPC_IDENTITY_KEYS_DIR/rkpd.key); the stage
services accept it only for the reads below (eplanning_common.service_grants), with Bappeda's read
scope in that pemda."""
from contextlib import contextmanager
from functools import lru_cache

from nameko.exceptions import RemoteError

from eplanning_common import config
from eplanning_common.identity_tokens import IdentitySigner
from eplanning_common.service_grants import SERVICE_IDENTITIES
from eplanning_common.signed_rpc import signed_rpc_proxy

from .completeness import money_text, volume_text

PAGE = 100


SELF = SERVICE_IDENTITIES["rkpd"]


@lru_cache(maxsize=None)
def _signer(keys_dir) -> IdentitySigner:
    return IdentitySigner.from_keys_dir(SELF.issuer, keys_dir)


@contextmanager
def proxy(amqp_uri: str, pemda: str):
    identity = {"sub": SELF.sub, "role": SELF.role, "pemda": pemda}
    with signed_rpc_proxy(amqp_uri, _signer(config.rpc_identity_keys_dir()), identity,
                          timeout=config.rpc_timeout_seconds()) as rpc:
        yield rpc


def or_empty(method, *args) -> list:
    """A read whose absence upstream (no DPRD register imported, say) means "no names": the
    document then shows codes. A timeout or a service that is down still raises (retry later)."""
    try:
        return method(*args)
    except RemoteError as exc:
        if exc.exc_type == "NotFound":
            return []
        raise


def pages(method, tahun: int):
    """Every item of a paginated listing `method(tahun, filters, cursor, limit)`."""
    cursor = None
    while True:
        page = method(tahun, None, cursor, PAGE)
        yield from page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


def usulan_as_event_data(view: dict) -> dict:
    """An operator's usulan view (musrenbang.list_usulan) in the shape of usulan.submitted.v1 data."""
    item = view["kamus_item"]
    return {"usulan_id": view["id"], "tracking_code": view["tracking_code"], "version": view["version"],
            "kecamatan": view["kecamatan"], "desa": view["desa"], "kamus_kode": item["kode"],
            "sub_kegiatan": item["sub_kegiatan"], "opd": item["opd"], "satuan": item["satuan"],
            "harga_satuan": money_text(item["harga_satuan"]), "volume": volume_text(view["volume"]),
            "cost": money_text(view["cost"]), "permasalahan": view["permasalahan"], "gagasan": view["gagasan"],
            "submitted_at": view["submitted_at"]}


def decision_as_event_data(view: dict, d: dict) -> dict:
    return {"usulan_id": view["id"], "tracking_code": view["tracking_code"], "version": view["version"],
            "kecamatan": view["kecamatan"], "desa": view["desa"], "level": d["level"], "status": d["status"],
            "reason": d["reason"], "volume": volume_text(d["volume"]), "cost": money_text(d["cost"]),
            "original_volume": volume_text(d["original_volume"]), "original_cost": money_text(d["original_cost"]),
            "merge_target": d["merge_target"], "decided_at": d["at"]}


def _review(review: dict | None) -> dict | None:
    """Bappeda's review of a pokir as the pokir events carry it (None: not reviewed)."""
    if review is None:
        return None
    kajian = review["kajian"]
    return {"status": review["status"],
            "kajian": {k: kajian[k] for k in ("kewenangan", "sesuai_prioritas", "duplikat_usulan", "biaya_wajar")},
            "catatan": review["catatan"], "reviewed_by": review["reviewed_by"], "reviewed_at": review["reviewed_at"]}


def pokir_as_event_data(view: dict) -> dict:
    """A pokir view (pokir.list_pokir) in the shape of the pokir.*.v1 data."""
    item = view["kamus_item"]
    return {"pokir_id": view["id"], "version": view["version"], "anggota_id": view["anggota_id"],
            "dapil": view["dapil"], "status": view["status"], "judul": view["judul"],
            "permasalahan": view["permasalahan"], "usulan": view["usulan"], "reses_id": view["reses_id"],
            "kecamatan": view["kecamatan"], "desa": view["desa"], "kamus_kode": item["kode"],
            "sub_kegiatan": item["sub_kegiatan"], "opd": item["opd"], "satuan": item["satuan"],
            "harga_satuan": money_text(item["harga_satuan"]), "volume": volume_text(view["volume"]),
            "cost": money_text(view["cost"]), "disposisi_opd": view["disposisi_opd"],
            "akomodasi": None if view["akomodasi"] is None else {
                **view["akomodasi"], "volume": volume_text(view["akomodasi"]["volume"]),
                "cost": money_text(view["akomodasi"]["cost"])},
            "alasan_tidak_diakomodasi": view["alasan_tidak_diakomodasi"],
            "review": _review(view.get("review")),
            "changed_at": view["history"][-1]["at"] if view["history"] else view["created_at"]}
