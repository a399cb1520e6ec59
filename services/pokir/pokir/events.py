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
RESES_RECORDED = "reses.recorded.v1"
WINDOW_SET = "window.set.v1"
STAGE_CLOSED = "stage.closed.v1"

ALL = (CREATED, UPDATED, SUBMITTED, RECOMMENDED, RETURNED, DELIVERED, WITHDRAWN, DISPOSED, ACCOMMODATED,
       NOT_ACCOMMODATED, RESES_RECORDED, WINDOW_SET, STAGE_CLOSED)

# what each transition publishes
BY_ACTION = {"submit": SUBMITTED, "recommend": RECOMMENDED, "return": RETURNED, "deliver": DELIVERED,
             "withdraw": WITHDRAWN, "dispose": DISPOSED, "accommodate": ACCOMMODATED,
             "not_accommodate": NOT_ACCOMMODATED}


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
            "volume": decimal_text(p.akomodasi.volume), "cost": money_text(p.akomodasi.cost)},
        "alasan_tidak_diakomodasi": p.alasan_tidak_diakomodasi,
        "changed_at": p.history[-1].at.isoformat() if p.history else p.created_at.isoformat(),
    }
