"""Does RKPD hold exactly what each stage closed with? The local copies are digested with the
algorithm each stage documents for its manifest (contracts/asyncapi.yaml) and compared with the
close manifests. A mismatch means events are still in flight or were lost: resync, never guess."""
from decimal import Decimal

import sqlalchemy as sa

from eplanning_common.domainkit.canonical import sha256_hex
from eplanning_common.domainkit.money import decimal_text
from eplanning_common.domainkit.money import money_text as _money_text

from .tables import pokir_copy, renja_row_copy, usulan_base, usulan_decision

ACCEPTED = ("diterima", "diterima dengan perubahan")
POKIR_DELIVERED = ("disampaikan", "didisposisikan", "diakomodasi", "tidak diakomodasi")


def volume_text(value) -> str:
    """Canonical decimal text of a volume or target given as text ("12.50" -> "12.5")."""
    return decimal_text(Decimal(str(value)))


def money_text(value) -> str:
    """Canonical rupiah text of an amount given as text ("1500000" -> "1500000.00")."""
    return _money_text(Decimal(str(value)))


def digest(records: list[dict]) -> str:
    """SHA-256 of the canonical JSON of `records` sorted by id: the stages' manifest rule."""
    return sha256_hex(sorted(records, key=lambda r: r["id"]))


def musrenbang_records(uow, pemda: str, tahun: int) -> list[dict]:
    rows = uow.execute(
        sa.select(usulan_decision.c.data.label("decision"), usulan_base.c.data.label("base"))
        .select_from(usulan_decision.outerjoin(usulan_base, usulan_base.c.usulan_id == usulan_decision.c.usulan_id))
        .where(usulan_decision.c.level == "kabupaten")
        .where(usulan_decision.c.data["status"].astext.in_(ACCEPTED))
        .where(sa.or_(usulan_base.c.pemda.is_(None), sa.and_(usulan_base.c.pemda == pemda, usulan_base.c.tahun == tahun)))
    ).all()
    return [{"id": r.decision["usulan_id"], "volume": volume_text(r.decision["volume"]),
             "cost": money_text(r.decision["cost"]),
             "opd": (r.base or {}).get("opd"), "sub_kegiatan": (r.base or {}).get("sub_kegiatan")} for r in rows]


def pokir_records(uow, pemda: str, tahun: int) -> list[dict]:
    rows = uow.execute(sa.select(pokir_copy.c.data).where(
        pokir_copy.c.pemda == pemda, pokir_copy.c.tahun == tahun,
        pokir_copy.c.data["status"].astext.in_(POKIR_DELIVERED))).all()
    return [{"id": d["pokir_id"], "volume": volume_text(d["volume"]), "cost": money_text(d["cost"]), "opd": d["opd"],
             "sub_kegiatan": d["sub_kegiatan"], "anggota_id": d["anggota_id"]} for d in (r.data for r in rows)]


def renja_records(uow, pemda: str, tahun: int) -> list[dict]:
    rows = uow.execute(sa.select(renja_row_copy.c.data).where(
        renja_row_copy.c.pemda == pemda, renja_row_copy.c.tahun == tahun, renja_row_copy.c.deleted.is_(False))).all()
    return [{"id": d["row_id"], "opd": d["opd"], "sub_kegiatan": d["sub_kegiatan"], "pagu_n": money_text(d["pagu_n"]),
             "pagu_n1": money_text(d["pagu_n1"]), "target": volume_text(d["target"])} for d in (r.data for r in rows)]


RECORDS = {"musrenbang": musrenbang_records, "pokir": pokir_records, "renja": renja_records}
COUNT_KEY = {"musrenbang": "accepted_count", "pokir": "disampaikan_count", "renja": "rows"}


def check(uow, pemda: str, tahun: int, stage_name: str, manifest: dict) -> str | None:
    """None when the local copy matches the manifest; else what differs (for `status`)."""
    records = RECORDS[stage_name](uow, pemda, tahun)
    expected = manifest[COUNT_KEY[stage_name]]
    if len(records) != expected:
        return f"{stage_name}: {len(records)} dari {expected} data diterima"
    if digest(records) != manifest["digest"]:
        return f"{stage_name}: isi data tidak sama dengan manifest penutupan (digest berbeda)"
    return None
