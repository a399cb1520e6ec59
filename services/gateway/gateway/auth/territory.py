"""Does a user's scope exist? A desa or kecamatan in the region data, an OPD in Renja's OPD
register, a DPRD member in Pokir's register (issue #14: `wilayah=12.21.99.9999` was accepted, and
the user could then do nothing).

The regions come from the gateway's own copy of the region data (gateway.regions); the registers
from the services that own them, through public RPCs that name the pemda (`renja.public_opd_codes`,
`pokir.public_anggota_ids`): the administrator's identity is one no planning service acts on, and
these lists (OPD codes, DPRD members) are public anyway. A service that does not answer makes the
change fail (503/504): nothing is created that could not be checked.
"""
from __future__ import annotations

from typing import Any, Mapping

from .errors import FieldError
from .messages import register_messages

register_messages({
    "wilayah_unknown": (
        "Wilayah {wilayah} tidak ada dalam data wilayah Kemendagri pemda {pemda}. Pilih kode desa/kelurahan atau "
        "kecamatan yang ada (daftarnya: GET /v1/public/wilayah/{pemda}).",
        "Region {wilayah} is not in the Kemendagri region data of pemda {pemda}. Choose an existing desa/kelurahan "
        "or kecamatan code (the list: GET /v1/public/wilayah/{pemda})."),
    "opd_unknown": (
        "OPD {opd} tidak ada dalam daftar OPD Renja pemda {pemda}. Periksa kodenya (GET /v1/renja/opd), atau "
        "impor daftar OPD lebih dulu (PUT /v1/renja/opd).",
        "OPD {opd} is not in the Renja OPD register of pemda {pemda}. Check the code (GET /v1/renja/opd), or "
        "import the OPD register first (PUT /v1/renja/opd)."),
    "anggota_unknown": (
        "Anggota DPRD {anggota_id} tidak ada dalam register DPRD pemda {pemda}. Periksa kodenya "
        "(GET /v1/pokir/register), atau impor register DPRD lebih dulu (PUT /v1/pokir/register).",
        "DPRD member {anggota_id} is not in the DPRD register of pemda {pemda}. Check the id "
        "(GET /v1/pokir/register), or import the DPRD register first (PUT /v1/pokir/register)."),
})


class TerritoryCheck:
    """`errors(pemda, scopes)`: a field error for each given scope (wilayah, opd, anggota_id) that
    does not exist in the pemda. Only the scopes handed in are checked (an update checks what it
    changes: a user whose OPD later left the register can still be deactivated)."""

    def __init__(self, rpc: Any, regions: Any):
        self.rpc = rpc
        self.regions = regions

    def errors(self, pemda: str, scopes: Mapping[str, str | None]) -> list[FieldError]:
        errors: list[FieldError] = []
        wilayah = scopes.get("wilayah")
        if wilayah and not self.regions.exists(wilayah):
            errors.append(FieldError("wilayah", "wilayah_unknown", {"wilayah": wilayah, "pemda": pemda}))
        opd = scopes.get("opd")
        if opd and opd not in self.rpc.call("renja", "public_opd_codes", pemda):
            errors.append(FieldError("opd", "opd_unknown", {"opd": opd, "pemda": pemda}))
        anggota_id = scopes.get("anggota_id")
        if anggota_id and anggota_id not in self.rpc.call("pokir", "public_anggota_ids", pemda):
            errors.append(FieldError("anggota_id", "anggota_unknown", {"anggota_id": anggota_id, "pemda": pemda}))
        return errors
