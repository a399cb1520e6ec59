"""Counts and amounts of a cycle for the dashboard: per kecamatan, per submission status and per
decision at the kecamatan and kabupaten levels. Read-only; scoped to what the caller may see
(Bappeda: the whole pemda, a kecamatan operator: their kecamatan, a desa operator: their desa)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from .access import BAPPEDA, DESA, Caller, require_pemda
from .tables import usulan


def cycle_summary(uow, caller: Caller, tahun: int) -> dict:
    require_pemda(caller, caller.pemda)
    where = [usulan.c.pemda == caller.pemda, usulan.c.tahun == tahun]
    if caller.role == DESA:
        where.append(usulan.c.desa == caller.wilayah)
    elif caller.role != BAPPEDA:
        where.append(usulan.c.kecamatan == caller.wilayah)
    rows = uow.execute(
        sa.select(usulan.c.kecamatan, usulan.c.status, usulan.c.status_kecamatan, usulan.c.status_kabupaten,
                  sa.func.count().label("n"), sa.func.coalesce(sa.func.sum(usulan.c.cost), 0).label("amount"))
        .where(*where)
        .group_by(usulan.c.kecamatan, usulan.c.status, usulan.c.status_kecamatan, usulan.c.status_kabupaten)
    ).all()
    per_kecamatan: dict[str, dict] = {}
    totals = _empty()
    for row in rows:
        bucket = per_kecamatan.setdefault(row.kecamatan, {"kecamatan": row.kecamatan, **_empty()})
        for target in (bucket, totals):
            _add(target, row.status, row.status_kecamatan, row.status_kabupaten, row.n, Decimal(row.amount))
    return {"tahun": tahun, "pemda": caller.pemda, "total": _finish(totals),
            "per_kecamatan": [_finish(per_kecamatan[k]) for k in sorted(per_kecamatan)]}


def _empty() -> dict:
    return {"jumlah": 0, "nilai": Decimal(0), "per_status": {}, "keputusan_kecamatan": {}, "keputusan_kabupaten": {}}


def _add(target: dict, status: str, at_kecamatan: str, at_kabupaten: str, n: int, amount: Decimal) -> None:
    target["jumlah"] += n
    target["nilai"] += amount
    for key, value in (("per_status", status), ("keputusan_kecamatan", at_kecamatan),
                       ("keputusan_kabupaten", at_kabupaten)):
        slot = target[key].setdefault(value, {"jumlah": 0, "nilai": Decimal(0)})
        slot["jumlah"] += n
        slot["nilai"] += amount


def _finish(target: dict) -> dict:
    """Amounts as strings of whole rupiah (JSON has no decimals)."""
    out = {**target, "nilai": str(target["nilai"].quantize(Decimal(1)))}
    for key in ("per_status", "keputusan_kecamatan", "keputusan_kabupaten"):
        out[key] = {name: {"jumlah": v["jumlah"], "nilai": str(v["nilai"].quantize(Decimal(1)))}
                    for name, v in sorted(target[key].items())}
    return out
