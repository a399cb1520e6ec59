"""Counts and amounts of a pokir cycle for the dashboard: per status and per DPRD member, and the
window. Members and their staf ahli see their own pokir only; Setwan and Bappeda all of the pemda."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from .domain import Actor
from .domain.access import MEMBER_ROLES
from .tables import pokir as pokir_table
from .tables import jendela as window_table


def cycle_summary(uow, actor: Actor, tahun: int) -> dict:
    where = [pokir_table.c.pemda == actor.pemda, pokir_table.c.tahun == tahun]
    if actor.role in MEMBER_ROLES:
        where.append(pokir_table.c.anggota_id == actor.anggota_id)
    rows = uow.execute(
        sa.select(pokir_table.c.anggota_id, pokir_table.c.status, sa.func.count().label("n"),
                  sa.func.coalesce(sa.func.sum(pokir_table.c.cost), 0).label("amount"))
        .where(*where).group_by(pokir_table.c.anggota_id, pokir_table.c.status)).all()
    window = uow.execute(sa.select(window_table).where(window_table.c.pemda == actor.pemda,
                                                      window_table.c.tahun == tahun)).first()
    per_status: dict[str, dict] = {}
    per_anggota: dict[str, dict] = {}
    total_n, total_amount = 0, Decimal(0)
    for row in rows:
        amount = Decimal(row.amount)
        total_n += row.n
        total_amount += amount
        for key, bucket in ((row.status, per_status), (row.anggota_id, per_anggota)):
            slot = bucket.setdefault(key, {"jumlah": 0, "nilai": Decimal(0)})
            slot["jumlah"] += row.n
            slot["nilai"] += amount

    def money(value: Decimal) -> str:
        return str(value.quantize(Decimal(1)))

    return {
        "tahun": tahun, "pemda": actor.pemda,
        "jendela": None if window is None else {
            "dibuka": window.opens_at.isoformat() if window.opens_at else None,
            "ditutup": window.closes_at.isoformat() if window.closes_at else None,
            "sumber": window.source, "tahap_ditutup": window.closed_manifest is not None},
        "total": {"jumlah": total_n, "nilai": money(total_amount)},
        "per_status": {k: {"jumlah": v["jumlah"], "nilai": money(v["nilai"])} for k, v in sorted(per_status.items())},
        "per_anggota": [{"anggota_id": k, "jumlah": v["jumlah"], "nilai": money(v["nilai"])}
                        for k, v in sorted(per_anggota.items())],
    }
