"""Named component schemas of the OpenAPI document (`components/schemas`).

The operation table declares its schemas as plain JSON Schema values; this table gives the
resources a name (`Usulan`, `Pokir`, `RenjaRow`, ...). The document builder (`openapi.build`) then
replaces every response schema, or part of one, that equals a named schema with a `$ref` to it,
so clients (the web app's generated types) get one type per resource instead of an inline copy
per operation. Matching is by value (canonical JSON): a page of usulan (`page_of(USULAN)`) refers
to `Usulan` without the operation naming it.

Two names for one schema would make the reference ambiguous: `check_distinct` refuses that.
"""
from __future__ import annotations

import json
from typing import Any

from . import aggregate, auth_doc, lampiran, musrenbang, pokir, public, renja, rkpd, webhooks, wilayah

COMPONENTS: dict[str, dict] = {
    # authentication and users
    "TokenGrant": auth_doc.GRANT,
    "BrowserTokenGrant": auth_doc.BROWSER_GRANT,
    "Identity": auth_doc.IDENTITY,
    "User": auth_doc.USER,
    # musrenbang
    "Usulan": musrenbang.USULAN,
    "UsulanDetail": musrenbang.USULAN_DETAIL,
    "KamusItem": musrenbang.KAMUS_ITEM,
    "UsulanDecision": musrenbang.DECISION,
    "TindakLanjut": musrenbang.TINDAK_LANJUT,
    "Pengusul": musrenbang.PENGUSUL_OUT,
    # the metadata an usulan lists; "Lampiran" is left for the uploaded attachment resource (issue #14)
    "LampiranMeta": musrenbang.LAMPIRAN_ITEM,
    "Lampiran": lampiran.LAMPIRAN,  # an uploaded attachment (photo or PDF)
    "LampiranList": lampiran.LAMPIRAN_LIST,
    "MusrenbangWindow": musrenbang.WINDOW,
    "MusrenbangSchedule": musrenbang.SCHEDULE,
    "MusrenbangManifest": musrenbang.MANIFEST,
    "MusrenbangStageClosed": musrenbang.STAGE_CLOSED,
    "Criteria": musrenbang.CRITERIA,
    "Scored": musrenbang.SCORED,
    "RankRow": musrenbang.RANK_ROW,
    "Ranking": musrenbang.RANKING,
    "Duplicate": musrenbang.DUPLICATE,
    "Duplicates": musrenbang.DUPLICATES,
    "ForumClosed": musrenbang.FORUM_CLOSED,
    "BeritaAcara": musrenbang.BERITA_ACARA,
    # pokir
    "Pokir": pokir.POKIR,
    "PokirKamusItem": pokir.KAMUS_ITEM,
    "PokirHistory": pokir.HISTORY,
    "PokirOverlap": pokir.OVERLAP,
    "PokirOverlapRow": pokir.OVERLAP_ROW,
    "DprdRegister": pokir.REGISTER,
    "DprdRegisterSummary": pokir.REGISTER_SUMMARY,
    "PokirWindow": pokir.WINDOW,
    "Reses": pokir.RESES,
    "PokirManifest": pokir.MANIFEST,
    "PokirStageClosed": pokir.CLOSED,
    # renja
    "RenjaRow": renja.ROW,
    "RenjaRowListed": renja.ROW_LISTED,
    "Opd": renja.OPD_ENTRY,
    "RenjaTotals": renja.TOTALS,
    "InboxItem": renja.INBOX_ITEM,
    "InboxItemDecided": renja.DECIDED_ITEM,
    "RenjaState": renja.STATE,
    "RenjaSnapshot": renja.SNAPSHOT,
    "RenjaComparison": renja.COMPARISON,
    "RenjaManifest": renja.MANIFEST,
    "RenjaStageClosed": renja.CLOSED,
    # rkpd
    "RkpdFile": rkpd.FILE,
    "RkpdFiles": rkpd.FILES,
    "RkpdStatus": rkpd.STATUS,
    "RkpdVersion": rkpd.VERSION,
    "RkpdVersions": rkpd.VERSIONS_OUT,
    "RkpdAssembled": rkpd.ASSEMBLED,
    "RkpdDocument": rkpd.DOCUMENT_OUT,
    "RkpdDiff": rkpd.DIFF,
    "RkpdNarrative": rkpd.NARRATIVE_OUT,
    # aggregation
    "Dashboard": aggregate.DASHBOARD_RESPONSE,
    "UsulanTrace": aggregate.TRACE_RESPONSE,
    # public (no login)
    "TrackedUsulan": public.TRACKED,
    "PublishedRkpd": public.PUBLISHED,
    "PublicPokirRegister": public.POKIR_REGISTER,
    "PublicPokir": public.POKIR_PUBLIC,
    "OpenDataCatalog": public.CATALOG,
    "Wilayah": wilayah.WILAYAH,
    "OpenDataTabelVRow": public.TABEL_V_ROW,
    "OpenDataUsulanRow": public.USULAN_ROW,
    "OpenDataPokirRow": public.POKIR_ROW,
    # webhooks
    "WebhookSubscription": webhooks.SUBSCRIPTION,
    "WebhookSubscriptionCreated": webhooks.CREATED,
    "WebhookDelivery": webhooks.DELIVERY,
}


def _key(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)


def check_distinct(components: dict[str, dict]) -> None:
    seen: dict[str, str] = {}
    for name, schema in components.items():
        other = seen.setdefault(_key(schema), name)
        if other != name:
            raise ValueError(f"components {other} and {name} are the same schema: a $ref would be ambiguous")


class References:
    """Replaces named schemas by `$ref`s, anywhere inside a schema."""

    def __init__(self, components: dict[str, dict]):
        check_distinct(components)
        self._names = {_key(schema): name for name, schema in components.items()}
        self.components = components

    def __call__(self, schema: Any, *, defining: str | None = None) -> Any:
        """`schema` with each named subschema (other than `defining`, the one being written out
        itself) replaced by a reference."""
        if isinstance(schema, dict):
            name = self._names.get(_key(schema))
            if name is not None and name != defining:
                return {"$ref": f"#/components/schemas/{name}"}
            return {key: self(value, defining=defining) for key, value in schema.items()}
        if isinstance(schema, list):
            return [self(item, defining=defining) for item in schema]
        return schema

    def schemas(self) -> dict[str, dict]:
        """The `components/schemas` entries, each with references to the others."""
        return {name: self(schema, defining=name) for name, schema in self.components.items()}
