"""The data of every event Pokir publishes (documented in contracts/asyncapi.yaml).

Pokir become public once delivered to Bappeda, but events carry no contact data and no
Setwan notes; staf ahli are identified by nothing but the member they act for. The free text
(`judul`, `permasalahan`, `usulan`: `x-free-text` in the contract) is for the platform's own
consumers; the webhooks worker leaves it out of what partners receive (gateway.webhooks.freetext).
"""
from .domain import Pokir, decimal_text, money_text

CREATED = "pokir.created.v1"
UPDATED = "pokir.updated.v1"
SUBMITTED = "pokir.submitted.v1"
RECOMMENDED = "pokir.recommended.v1"
RETURNED = "pokir.returned.v1"
DELIVERED = "pokir.delivered.v1"
WITHDRAWN = "pokir.withdrawn.v1"
DISPOSED = "pokir.disposed.v1"
ACCOMMODATED = "pokir.accommodated.v1"
NOT_ACCOMMODATED = "pokir.not_accommodated.v1"
REVIEWED = "pokir.reviewed.v1"
RESES_RECORDED = "reses.recorded.v1"
WINDOW_SET = "window.set.v1"
STAGE_CLOSED = "stage.closed.v1"

ALL = (CREATED, UPDATED, SUBMITTED, RECOMMENDED, RETURNED, DELIVERED, WITHDRAWN, DISPOSED, ACCOMMODATED,
       NOT_ACCOMMODATED, REVIEWED, RESES_RECORDED, WINDOW_SET, STAGE_CLOSED)

# what each transition publishes ("accommodate" only on Renja's behalf: facts.follow_renja_decision)
BY_ACTION = {"submit": SUBMITTED, "recommend": RECOMMENDED, "return": RETURNED, "deliver": DELIVERED,
             "withdraw": WITHDRAWN, "dispose": DISPOSED, "accommodate": ACCOMMODATED,
             "not_accommodate": NOT_ACCOMMODATED}


def review_data(review) -> dict | None:
    if review is None:
        return None
    k = review.kajian
    return {"status": review.status.value,
            "kajian": {"kewenangan": k.kewenangan, "sesuai_prioritas": k.sesuai_prioritas,
                       "duplikat_usulan": k.duplikat_usulan, "biaya_wajar": k.biaya_wajar},
            "catatan": review.catatan, "reviewed_by": review.reviewed_by,
            "reviewed_at": review.reviewed_at.isoformat()}


def reviewed_data(p: Pokir, version: int) -> dict:
    """pokir.reviewed.v1: the review, and what the RKPD annex's review table shows of the pokir."""
    item = p.kamus_item
    return {"pokir_id": p.id, "version": version, "pokir_status": p.status.value, "anggota_id": p.anggota_id,
            "dapil": p.dapil, "kecamatan": p.kecamatan, "desa": p.desa, "kamus_kode": item.kode,
            "sub_kegiatan": item.sub_kegiatan, "opd": item.opd, "cost": money_text(p.cost),
            **review_data(p.review)}


def pokir_data(p: Pokir, version: int) -> dict:
    item = p.kamus_item
    return {
        "pokir_id": p.id, "version": version, "anggota_id": p.anggota_id, "dapil": p.dapil, "status": p.status.value,
        "judul": p.judul, "permasalahan": p.permasalahan, "usulan": p.usulan, "reses_id": p.reses_id,
        "kecamatan": p.kecamatan, "desa": p.desa, "kamus_kode": item.kode, "sub_kegiatan": item.sub_kegiatan,
        "opd": item.opd, "satuan": item.satuan, "harga_satuan": money_text(item.harga_satuan),
        "volume": decimal_text(p.volume), "cost": money_text(p.cost),
        "disposisi_opd": p.disposisi_opd,
        "akomodasi": None if p.akomodasi is None else {
            "opd": p.akomodasi.opd, "renja_row_id": p.akomodasi.renja_row_id,
            "volume": decimal_text(p.akomodasi.volume), "cost": money_text(p.akomodasi.cost),
            **({"mode": p.akomodasi.mode} if p.akomodasi.mode else {})},
        "alasan_tidak_diakomodasi": p.alasan_tidak_diakomodasi,
        "review": review_data(p.review),
        "changed_at": p.history[-1].at.isoformat() if p.history else p.created_at.isoformat(),
    }
