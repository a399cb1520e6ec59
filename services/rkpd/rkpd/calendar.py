"""The RKPD's versions at the points of the calendar of Permendagri 86/2017 (tata_urutan
"permendagri_86_2017"):

1. rancangan awal — Bappeda sets the year's priorities (and, as a local policy, pagu indikatif
   kewilayahan) and publishes; the table shows the indicative ceiling per OPD (Renja's pagu.set.v1
   events, copied here). `rkpd.published.v1`.
2. rancangan — assembled by the system when every OPD with a ceiling is covered by a closed Forum
   Perangkat Daerah (forum_pd.closed.v1, per OPD or one joint forum), from the Renja drafts, once the
   copy of each forum's rows matches its `rows_manifest` (a mismatch: resync from Renja, else wait).
   `rkpd.assembled.v1`.
3. rancangan akhir — assembled by the system when Musrenbang RKPD closes (musrenbang stage.closed.v1
   with its `forum`), with the pokir review table and the forum's agreements in the annex.
   `rkpd.assembled.v1`.
4. penetapan — Bappeda records the Perkada (number, date) on the rancangan akhir: the same content,
   fixed. `rkpd.published.v1` with `perkada` and `opd_lines` (what each Renja final must agree with).
5. perubahan — Bappeda opens a revision for named OPDs with a reason (`rkpd.perubahan_opened.v1`),
   Renja lets them edit, Bappeda asks for the revised version: the named OPDs' lines from the Renja
   copy, every other line as fixed before; diffed against the version it changes.
   `rkpd.published.v1` with `perubahan` and `opd_lines`.

Everything runs under the year's advisory lock; versions keep their (pemda, tahun, nomor) key, so
two writers can never record the same nomor (optimistic concurrency).
"""
from __future__ import annotations

import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.errors import Conflict
from eplanning_common.wilayah import wilayah

from . import assembly, completeness, facts
from .cycle import lock, order_of, record_waiting, render_and_store
from .domain import (LAMA, PERMENDAGRI, RenjaRowIn, build_document, check_perkada, check_perubahan,
                     check_publishable, check_rancangan_awal, ensure_new_order, opd_lines, penetapan_document,
                     plan_penetapan, plan_perubahan, plan_perubahan_open, plan_rancangan_awal,
                     plan_system_assembly)
from .domain.canonical import sha256_hex
from .domain.errors import TransitionRefused
from .resync import resync
from .tables import cycle, perubahan, rkpd_version, stage

log = logging.getLogger(__name__)

PERUBAHAN_OPENED = assembly.PERUBAHAN_OPENED


def _emit(uow, pemda, tahun):
    return lambda key, subject, data: uow.emit(key, subject, data, pemda, tahun)


def _locked(uow, pemda: str, tahun: int) -> None:
    if not lock(uow, pemda, tahun):
        raise Conflict("RKPD tahun ini sedang disusun; coba lagi sebentar lagi", code="sedang_disusun")


def _settings(uow, pemda: str, tahun: int):
    return uow.execute(sa.select(cycle).where(cycle.c.pemda == pemda, cycle.c.tahun == tahun)).first()


def _kecamatan(uow, pemda: str) -> dict[str, str]:
    return {r.kode: r.nama for r in uow.execute(sa.select(wilayah.c.kode, wilayah.c.nama).where(
        wilayah.c.pemda == pemda, wilayah.c.tingkat == "kecamatan"))}


# -- the rancangan awal: Bappeda's settings and its publication -----------------------------------

def rancangan_awal_view(uow, pemda: str, tahun: int) -> dict:
    row = _settings(uow, pemda, tahun)
    published = uow.execute(sa.select(sa.func.max(rkpd_version.c.nomor)).where(
        rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun, rkpd_version.c.versi == "rancangan awal",
        rkpd_version.c.published.is_(True))).scalar()
    ceilings = facts.ceilings(uow, pemda, tahun)
    return {"pemda": pemda, "tahun": tahun, "tata_urutan": row.tata_urutan if row else None,
            "prioritas": list(row.prioritas) if row else [],
            "pagu_kewilayahan": list(row.pagu_kewilayahan) if row else [],
            "pagu_indikatif": [{"opd": opd, **ceilings[opd]} for opd in sorted(ceilings)],
            "version": row.settings_version if row else 0, "diterbitkan_nomor": published}


def set_rancangan_awal(uow, actor: str, pemda: str, tahun: int, prioritas, pagu_kewilayahan) -> dict:
    """Bappeda's priorities and kewilayahan ceilings; the year follows the new order from now on."""
    row = _settings(uow, pemda, tahun)
    ensure_new_order(row.tata_urutan if row else None)
    settings = check_rancangan_awal(prioritas, pagu_kewilayahan, _kecamatan(uow, pemda))
    statement = pg_insert(cycle).values(pemda=pemda, tahun=tahun, tata_urutan=PERMENDAGRI,
                                        prioritas=settings["prioritas"],
                                        pagu_kewilayahan=settings["pagu_kewilayahan"], settings_version=1,
                                        updated_by=actor, updated_at=sa.func.now())
    uow.execute(statement.on_conflict_do_update(
        index_elements=["pemda", "tahun"],
        set_={"tata_urutan": PERMENDAGRI, "prioritas": statement.excluded.prioritas,
              "pagu_kewilayahan": statement.excluded.pagu_kewilayahan,
              "settings_version": cycle.c.settings_version + 1, "updated_by": actor, "updated_at": sa.func.now()}))
    return rancangan_awal_view(uow, pemda, tahun)


def _build(uow, amqp_uri: str, pemda: str, tahun: int, versi: str, nomor: int, inputs: dict, *,
           rows: list[RenjaRowIn] | None = None, with_rows: bool = True, perubahan_info: dict | None = None,
           forums: list[dict] | None = None) -> dict:
    """A calendar year's document from the local copies (names from upstream, as for the legacy order)."""
    opds, members = assembly.upstream_names(amqp_uri, pemda, tahun)
    row = _settings(uow, pemda, tahun)
    ceilings = facts.ceilings(uow, pemda, tahun)
    region_rows = uow.execute(sa.select(wilayah.c.kode, wilayah.c.nama).where(wilayah.c.pemda == pemda)).all()
    region_names = {r.kode: r.nama for r in region_rows}
    pemda_nama = region_names.get(pemda, pemda)
    pokir = assembly._pokir(uow, pemda, tahun, members) if with_rows else []
    forum = uow.execute(sa.select(stage.c.forum).where(stage.c.pemda == pemda, stage.c.tahun == tahun,
                                                       stage.c.stage == "musrenbang")).scalar()
    return build_document(
        pemda=pemda, pemda_nama=pemda_nama, tahun=tahun, versi=versi, nomor_versi=nomor,
        rows=(assembly._rows(uow, pemda, tahun) if rows is None else rows) if with_rows else [],
        opds=opds, names=assembly.Names(),
        usulan=assembly._usulan(uow, pemda, tahun, region_names, routed_at_kecamatan=True) if with_rows else [],
        pokir=pokir, narrative=assembly._narrative(uow, pemda, tahun, pemda_nama), inputs_digests=inputs,
        tata_urutan=PERMENDAGRI,
        rancangan_awal={"prioritas": list(row.prioritas) if row else [],
                        "pagu_indikatif": ceilings, "pagu_kewilayahan": list(row.pagu_kewilayahan) if row else []},
        ceilings=None if with_rows else {opd: (Decimal(c["pagu_n"]), Decimal(c["pagu_n1"]))
                                         for opd, c in ceilings.items()},
        kajian_pokir=facts.reviews(uow, pemda, tahun) if with_rows else [],
        forum_pd=[_forum_record(f) for f in (forums if forums is not None else facts.forum_closes(uow, pemda, tahun))]
        if with_rows else [],
        musrenbang_rkpd=_musrenbang_record(forum) if (with_rows and forum and versi != "rancangan") else None,
        perubahan=perubahan_info)


def _forum_record(close: dict) -> dict:
    d = close["data"]
    return {"opd": d.get("opd"), "opds": close["opds"], "berita_acara_sha256": d.get("berita_acara_sha256"),
            "peserta": len(d.get("peserta") or []), "kesepakatan": list(d.get("kesepakatan") or []),
            "items": sorted(({"kind": i.get("kind"), "source_id": i.get("source_id"), "verdict": i.get("verdict"),
                              "row_id": i.get("row_id")} for i in d.get("items") or []),
                            key=lambda i: (i["kind"] or "", i["source_id"] or "")),
            "rows_manifest": d.get("rows_manifest"),
            "sesuai_berita_acara": close.get("sesuai_berita_acara")}


def _musrenbang_record(forum: dict) -> dict:
    return {k: forum.get(k) for k in ("forum_ref", "tempat", "tanggal", "peserta", "kesepakatan",
                                      "berita_acara_sha256")}


def publish_rancangan_awal(uow, store, amqp_uri: str, pemda: str, tahun: int) -> dict:
    _locked(uow, pemda, tahun)
    row = _settings(uow, pemda, tahun)
    ensure_new_order(row.tata_urutan if row else None)
    ceilings = facts.ceilings(uow, pemda, tahun)
    check_publishable({"prioritas": row.prioritas, "pagu_kewilayahan": row.pagu_kewilayahan} if row else None,
                      ceilings)
    plan = plan_rancangan_awal(assembly.history(uow, pemda, tahun))
    inputs = {"pagu_indikatif": sha256_hex(ceilings),
              "prioritas": sha256_hex({"prioritas": row.prioritas, "pagu_kewilayahan": row.pagu_kewilayahan})}
    document = _build(uow, amqp_uri, pemda, tahun, plan.versi, plan.nomor, inputs, with_rows=False)
    return render_and_store(uow, store, _emit(uow, pemda, tahun), pemda, tahun, document, assembly.PUBLISHED,
                            {"tata_urutan": PERMENDAGRI})


# -- the system's versions: rancangan (Forum PD) and rancangan akhir (Musrenbang RKPD) -------------

def _forum_problem(uow, pemda: str, tahun: int, close: dict) -> str | None:
    manifest = close["data"].get("rows_manifest") or {}
    records = [r for r in completeness.renja_records(uow, pemda, tahun) if r["opd"] in close["opds"]]
    name = close["forum"]
    if len(records) != manifest.get("count"):
        return f"forum PD {name}: {len(records)} dari {manifest.get('count')} baris Renja diterima"
    pagu = completeness.money_text(sum((Decimal(r["pagu_n"]) for r in records), Decimal("0")))
    if "pagu_total" in manifest and completeness.money_text(manifest["pagu_total"]) != pagu:
        return f"forum PD {name}: jumlah pagu baris ({pagu}) tidak sama dengan berita acara"
    if completeness.digest(records) != manifest.get("digest"):
        return f"forum PD {name}: isi baris Renja tidak sama dengan manifest forum (digest berbeda)"
    return None


def forums_complete(uow, amqp_uri: str, pemda: str, tahun: int) -> tuple[list[dict] | None, list[str]]:
    """The Forum PD closes when every OPD with a ceiling is covered and every copy matches its
    manifest; else None and what is missing. A mismatch means events in flight or lost: one resync
    from Renja. If Renja then has rows and the copy (now Renja's own rows) still differs from a
    forum's manifest, the OPD changed its rows after its forum closed: the rancangan is built from
    the rows as they are, and that forum is marked `sesuai_berita_acara: false` in the annex. If
    Renja has no rows at all, nothing is trusted and it waits."""
    ceilings = facts.ceilings(uow, pemda, tahun)
    closes = facts.forum_closes(uow, pemda, tahun)
    covered = {opd for c in closes for opd in c["opds"]}
    missing = sorted(set(ceilings) - covered)
    if not ceilings:
        return None, ["menunggu pagu indikatif OPD"]
    if missing:
        return None, [f"menunggu penutupan Forum Perangkat Daerah {opd}" for opd in missing]
    problems = {c["forum"]: p for c in closes if (p := _forum_problem(uow, pemda, tahun, c))}
    if problems:
        log.warning("copy does not match a Forum PD manifest; resyncing", extra={"problems": list(problems.values())})
        if resync(uow, amqp_uri, pemda, tahun, "renja") == 0:
            return None, list(problems.values())
        problems = {c["forum"]: p for c in closes if (p := _forum_problem(uow, pemda, tahun, c))}
    for close in closes:
        close["sesuai_berita_acara"] = close["forum"] not in problems
    return closes, []


def _assemble_system(uow, store, amqp_uri, pemda, tahun, versi, inputs, forums=None) -> dict | None:
    try:
        plan = plan_system_assembly(assembly.history(uow, pemda, tahun), versi)
    except TransitionRefused as refused:
        record_waiting(uow, pemda, tahun, [refused.message])
        return None
    if plan is None:
        return None
    try:
        document = _build(uow, amqp_uri, pemda, tahun, plan.versi, plan.nomor, inputs, forums=forums)
    except TransitionRefused as refused:  # a row attributes more than its pagu: shown, not assembled
        record_waiting(uow, pemda, tahun, [refused.message])
        return None
    record_waiting(uow, pemda, tahun, [])
    return render_and_store(uow, store, _emit(uow, pemda, tahun), pemda, tahun, document, assembly.ASSEMBLED,
                            {"tata_urutan": PERMENDAGRI})


def try_due(uow, store, amqp_uri: str, pemda: str, tahun: int) -> dict | None:
    """Assemble what the calendar has made due: the rancangan once every Forum PD closed, then the
    rancangan akhir once Musrenbang RKPD closed. Nothing for a legacy year."""
    if order_of(uow, pemda, tahun) != PERMENDAGRI or not lock(uow, pemda, tahun):
        return None
    history = assembly.history(uow, pemda, tahun)
    current = history[-1] if history else None
    if current is None:
        record_waiting(uow, pemda, tahun, ["menunggu rancangan awal RKPD diterbitkan Bappeda"])
        return None
    done = None
    if current.versi == "rancangan awal" or (current.versi == "rancangan" and current.stale):
        closes, reasons = forums_complete(uow, amqp_uri, pemda, tahun)
        if closes is None:
            record_waiting(uow, pemda, tahun, reasons)
            return None
        done = _assemble_system(uow, store, amqp_uri, pemda, tahun, "rancangan",
                                {"forum_pd": sha256_hex([c["data"].get("rows_manifest") for c in closes])}, closes)
        if done is None:
            return None
        history = assembly.history(uow, pemda, tahun)
        current = history[-1]
    if current.versi == "rancangan" or (current.versi == "rancangan akhir" and current.stale):
        forum = uow.execute(sa.select(stage.c.forum, stage.c.manifest).where(
            stage.c.pemda == pemda, stage.c.tahun == tahun, stage.c.stage == "musrenbang")).first()
        if forum is None:
            record_waiting(uow, pemda, tahun, ["menunggu penutupan Musrenbang RKPD"])
            return done
        closes = facts.forum_closes(uow, pemda, tahun)
        inputs = {"forum_pd": sha256_hex([c["data"].get("rows_manifest") for c in closes]),
                  "musrenbang_rkpd": (forum.forum or {}).get("berita_acara_sha256")
                  or (forum.manifest or {}).get("digest") or sha256_hex(forum.forum)}
        done = _assemble_system(uow, store, amqp_uri, pemda, tahun, "rancangan akhir", inputs) or done
    return done


def mark_stale_at(uow, pemda: str, tahun: int, versi: str, reason: str) -> None:
    """A Forum PD or Musrenbang RKPD reopened: the version it made, if current, is stale."""
    history = assembly.history(uow, pemda, tahun)
    if history and history[-1].versi == versi and not history[-1].stale:
        uow.execute(rkpd_version.update().where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun,
                                                rkpd_version.c.nomor == history[-1].nomor)
                    .values(stale_reason=reason))


# -- penetapan and perubahan: Bappeda's acts -------------------------------------------------------

def _current_document(uow, pemda, tahun) -> dict:
    return assembly.previous_document(uow, pemda, tahun)


def penetapan(uow, store, pemda: str, tahun: int, nomor_perkada, tanggal_perkada) -> dict:
    _locked(uow, pemda, tahun)
    ensure_new_order(order_of(uow, pemda, tahun) or LAMA)
    perkada = check_perkada(nomor_perkada, tanggal_perkada)
    plan = plan_penetapan(assembly.history(uow, pemda, tahun))
    document = penetapan_document(_current_document(uow, pemda, tahun), plan.nomor, perkada)
    return render_and_store(uow, store, _emit(uow, pemda, tahun), pemda, tahun, document, assembly.PUBLISHED,
                            {"tata_urutan": PERMENDAGRI, "perkada": perkada, "opd_lines": opd_lines(document)})


def _open_perubahan(uow, pemda, tahun):
    return uow.execute(sa.select(perubahan).where(perubahan.c.pemda == pemda, perubahan.c.tahun == tahun,
                                                  perubahan.c.nomor_versi.is_(None))).first()


def open_perubahan(uow, actor: str, pemda: str, tahun: int, opds, alasan) -> dict:
    _locked(uow, pemda, tahun)
    ensure_new_order(order_of(uow, pemda, tahun) or LAMA)
    base = plan_perubahan_open(assembly.history(uow, pemda, tahun), _open_perubahan(uow, pemda, tahun) is not None)
    document = _current_document(uow, pemda, tahun)
    known = {line["opd"] for line in document["tabel_v"]["baris"]} | set(facts.ceilings(uow, pemda, tahun))
    chosen, reason = check_perubahan(opds, alasan, known)
    uow.execute(perubahan.insert().values(pemda=pemda, tahun=tahun, nomor_dasar=base.nomor, opds=chosen,
                                          alasan=reason, opened_by=actor))
    data = {"nomor_versi_dasar": base.nomor, "opds": chosen, "alasan": reason, "opened_by": actor}
    uow.emit(PERUBAHAN_OPENED, f"{pemda}/{tahun}", data, pemda, tahun)
    return {"pemda": pemda, "tahun": tahun, **data}


def rows_from_document(document: dict, skip_opds) -> list[RenjaRowIn]:
    """The fixed lines of the OPDs a perubahan does not touch, back as rows (exactly as fixed)."""
    out = []
    for line in document["tabel_v"]["baris"]:
        if line["tingkat"] != "sub_kegiatan" or line["opd"] in skip_opds:
            continue
        out.append(RenjaRowIn(line["row_id"], line["opd"], line["kode"], line["indikator"],
                              None if line["target_n"] is None else Decimal(line["target_n"]), line["satuan"],
                              Decimal(line["pagu_n"]), Decimal(line["pagu_n1"]), tuple(line["lokasi"]),
                              line["sumber_dana"], tuple(line["prioritas_nasional"]),
                              tuple(line["prioritas_daerah"]), line["kelompok_sasaran"], line.get("cakupan_lokasi"),
                              assembly.akomodasi_of(line.get("akomodasi"))))
    return out


def assemble_perubahan(uow, store, amqp_uri: str, pemda: str, tahun: int) -> dict:
    _locked(uow, pemda, tahun)
    ensure_new_order(order_of(uow, pemda, tahun) or LAMA)
    opened = _open_perubahan(uow, pemda, tahun)
    plan = plan_perubahan(assembly.history(uow, pemda, tahun), opened.nomor_dasar if opened else None)
    base = _current_document(uow, pemda, tahun)
    rows = rows_from_document(base, set(opened.opds)) + assembly._rows(uow, pemda, tahun, set(opened.opds))
    info = {"nomor_versi_dasar": opened.nomor_dasar, "opds": list(opened.opds), "alasan": opened.alasan}
    inputs = dict(base["inputs"], perubahan=completeness.digest(
        [r for r in completeness.renja_records(uow, pemda, tahun) if r["opd"] in opened.opds]))
    document = _build(uow, amqp_uri, pemda, tahun, plan.versi, plan.nomor, inputs, rows=rows, perubahan_info=info)
    document["perkada"] = base.get("perkada")
    uow.execute(perubahan.update().where(perubahan.c.pemda == pemda, perubahan.c.tahun == tahun,
                                         perubahan.c.nomor_dasar == opened.nomor_dasar).values(nomor_versi=plan.nomor))
    return render_and_store(uow, store, _emit(uow, pemda, tahun), pemda, tahun, document, assembly.PUBLISHED,
                            {"tata_urutan": PERMENDAGRI, "perubahan": info, "opd_lines": opd_lines(document)})
