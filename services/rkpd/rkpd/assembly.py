"""Assembling an RKPD version from the local copies: gather the inputs, build the document (pure
domain), diff it against the previous version, render JSON/XLSX/HTML/PDF in a subprocess (never
in the eventlet hub), store the version and publish `rkpd.assembled.v1`."""
import logging
from decimal import Decimal

import sqlalchemy as sa

from eplanning_common.reference import nomenclature_name
from eplanning_common.wilayah import wilayah

from . import completeness, upstream
from .domain import (AkomodasiIn, OpdIn, PokirIn, RenjaRowIn, RkpdVersion, Section, UsulanIn, build_document,
                     content_hash, default_narrative, diff)
from .tables import narrative, opd_decision, pokir_copy, renja_row_copy, rkpd_version, usulan_base, usulan_decision

log = logging.getLogger(__name__)

ASSEMBLED = "rkpd.assembled.v1"
PUBLISHED = "rkpd.published.v1"
SUPERSEDED = "rkpd.superseded.v1"
PERUBAHAN_OPENED = "rkpd.perubahan_opened.v1"
ALL_EVENTS = (ASSEMBLED, PUBLISHED, SUPERSEDED, PERUBAHAN_OPENED)
LEVEL_ORDER = ("desa", "kecamatan", "kabupaten")


class Names:
    def name(self, kode: str) -> str | None:
        return nomenclature_name(kode)


def history(uow, pemda: str, tahun: int) -> tuple[RkpdVersion, ...]:
    rows = uow.execute(sa.select(rkpd_version).where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
                       .order_by(rkpd_version.c.nomor)).all()
    return tuple(RkpdVersion(r.nomor, r.versi, r.content_hash, stale=r.stale_reason is not None,
                             ditetapkan=r.ditetapkan, alasan_stale=r.stale_reason) for r in rows)


def lokasi_of(value) -> tuple[str | None, tuple[str, ...]]:
    """(cakupan, codes) of a row's `lokasi`: `{"cakupan", "kode"}`, or a plain list (older events)."""
    if isinstance(value, dict):
        return value.get("cakupan"), tuple(value.get("kode") or ())
    return None, tuple(value or ())


def akomodasi_of(items) -> tuple[AkomodasiIn, ...]:
    return tuple(AkomodasiIn(i["kind"], i["source_id"], i.get("tracking_code"), i["mode"], Decimal(str(i["volume"])),
                             Decimal(str(i["attributable"]))) for i in items or ())


def row_in(d: dict) -> RenjaRowIn:
    cakupan, lokasi = lokasi_of(d.get("lokasi"))
    return RenjaRowIn(d["row_id"], d["opd"], d["sub_kegiatan"], d["indikator"], Decimal(d["target"]),
                      d["satuan"], Decimal(d["pagu_n"]), Decimal(d["pagu_n1"]), lokasi,
                      d["sumber_dana"], tuple(d["prioritas_nasional"]), tuple(d["prioritas_daerah"]),
                      d["kelompok_sasaran"], cakupan, akomodasi_of(d.get("akomodasi")))


def _rows(uow, pemda, tahun, opds=None) -> list[RenjaRowIn]:
    query = sa.select(renja_row_copy.c.data).where(
        renja_row_copy.c.pemda == pemda, renja_row_copy.c.tahun == tahun, renja_row_copy.c.deleted.is_(False))
    return [row_in(d) for (d,) in uow.execute(query) if opds is None or d["opd"] in opds]


def _opd_decisions(uow, source: str) -> dict[str, dict]:
    """The latest Renja decision per usulan/pokir."""
    latest = {}
    for row in uow.execute(sa.select(opd_decision.c.source_id, opd_decision.c.data)
                           .where(opd_decision.c.source == source).order_by(opd_decision.c.decided_at)):
        latest[row.source_id] = row.data
    return latest


def _usulan(uow, pemda, tahun, region_names, routed_at_kecamatan: bool = False) -> list[UsulanIn]:
    """The usulan with their final Musrenbang status. Legacy years: accepted below the kabupaten level
    means "tidak diteruskan". Calendar years (`routed_at_kecamatan`): an usulan accepted by its
    kecamatan went to the OPDs then; the Musrenbang RKPD forum's agreements, when any, decide last."""
    decisions: dict[str, dict] = {}
    for row in uow.execute(sa.select(usulan_decision.c.usulan_id, usulan_decision.c.level, usulan_decision.c.data)):
        decisions.setdefault(row.usulan_id, {})[row.level] = row.data
    by_opd = _opd_decisions(uow, "musrenbang")
    out = []
    for row in uow.execute(sa.select(usulan_base).where(usulan_base.c.pemda == pemda, usulan_base.c.tahun == tahun)):
        d = row.data
        if "kamus_kode" not in d:  # only the withdrawal arrived; its submission is still in flight
            continue
        trail = [decisions[d["usulan_id"]][lv] for lv in LEVEL_ORDER if lv in decisions.get(d["usulan_id"], {})]
        last = trail[-1] if trail else None
        if row.withdrawn:
            status, alasan = "ditarik", None
        elif last is None:
            status, alasan = "belum diputuskan", None
        elif (last["status"] in ("diterima", "diterima dengan perubahan") and last["level"] != "kabupaten"
              and not (routed_at_kecamatan and last["level"] == "kecamatan")):
            status, alasan = "tidak diteruskan", None
        else:
            status, alasan = last["status"], last["reason"] or None
        opd = by_opd.get(d["usulan_id"])
        out.append(UsulanIn(d["usulan_id"], d["tracking_code"], d["kecamatan"], region_names.get(d["kecamatan"], d["kecamatan"]),
                            d["desa"], region_names.get(d["desa"], d["desa"]), d["gagasan"], d["opd"],
                            Decimal(d["cost"]), Decimal(last["cost"]) if last else Decimal(d["cost"]), status, alasan,
                            opd["decision"] if opd else None, (opd["reason"] or None) if opd else None))
    return out


def _pokir(uow, pemda, tahun, members: dict[str, dict]) -> list[PokirIn]:
    out = []
    for (d,) in uow.execute(sa.select(pokir_copy.c.data).where(pokir_copy.c.pemda == pemda, pokir_copy.c.tahun == tahun)):
        if d["status"] not in completeness.POKIR_DELIVERED:
            continue  # drafts and pokir still with Setwan are not part of the RKPD
        public = members.get(d["pokir_id"], {})
        alasan = d["alasan_tidak_diakomodasi"]
        out.append(PokirIn(d["pokir_id"], public.get("anggota", d["anggota_id"]), public.get("fraksi", "-"),
                           public.get("dapil", d["dapil"]), d["judul"], d["kecamatan"], d["desa"], d["opd"],
                           Decimal(d["cost"]), d["status"], alasan))
    return out


def _narrative(uow, pemda, tahun, pemda_nama) -> dict:
    stored = {r.bab: r.sections for r in uow.execute(sa.select(narrative).where(
        narrative.c.pemda == pemda, narrative.c.tahun == tahun))}
    sections = default_narrative(pemda_nama, tahun)
    for bab, items in stored.items():
        sections[int(bab)] = [Section(s["judul"], s["teks"]) for s in items]
    return sections


def upstream_names(amqp_uri: str, pemda: str, tahun: int) -> tuple[list[OpdIn], dict[str, dict]]:
    """OPD names and the public facts of each pokir's member: names the events do not carry."""
    with upstream.proxy(amqp_uri, pemda) as rpc:
        opds = [OpdIn(o["kode"], o["nama"]) for o in upstream.or_empty(rpc.renja.list_opd)]
        members = {p["id"]: p for p in upstream.or_empty(rpc.pokir.public_register, pemda, tahun)}
    return opds, members


def build(uow, amqp_uri: str, pemda: str, tahun: int, versi: str, nomor: int, manifests: dict) -> dict:
    return build_from(uow, pemda, tahun, versi, nomor, manifests, *upstream_names(amqp_uri, pemda, tahun))


def build_from(uow, pemda: str, tahun: int, versi: str, nomor: int, manifests: dict, opds: list[OpdIn],
               members: dict[str, dict]) -> dict:
    region_rows = uow.execute(sa.select(wilayah.c.kode, wilayah.c.nama).where(wilayah.c.pemda == pemda)).all()
    region_names = {r.kode: r.nama for r in region_rows}
    return build_document(
        pemda=pemda, pemda_nama=region_names.get(pemda, pemda), tahun=tahun, versi=versi, nomor_versi=nomor,
        rows=_rows(uow, pemda, tahun), opds=opds, names=Names(), usulan=_usulan(uow, pemda, tahun, region_names),
        pokir=_pokir(uow, pemda, tahun, members), narrative=_narrative(uow, pemda, tahun, region_names.get(pemda, pemda)),
        inputs_digests={stage: manifests[stage]["digest"] for stage in ("musrenbang", "pokir", "renja")})


def store(uow, pemda: str, tahun: int, document: dict, previous: dict | None, files: dict, location: str,
          published: bool = False) -> dict:
    changes = diff(previous, document) if previous is not None else None
    uow.execute(rkpd_version.insert().values(
        pemda=pemda, tahun=tahun, nomor=document["nomor_versi"], versi=document["versi"],
        content_hash=content_hash(document), location=location, files=files, diff=changes,
        ditetapkan=document["versi"] in ("penetapan", "perubahan"), published=published, document=document))
    return changes


def previous_document(uow, pemda: str, tahun: int) -> dict | None:
    row = uow.execute(sa.select(rkpd_version.c.document).where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
                      .order_by(rkpd_version.c.nomor.desc()).limit(1)).first()
    return None if row is None else row.document
