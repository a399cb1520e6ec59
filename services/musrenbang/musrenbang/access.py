"""Who may do what in Musrenbang. Pure: takes the caller and the object, answers or refuses.

Roles: `operator_desa` acts on usulan of the desa in `wilayah`; `operator_kecamatan` on those of
the kecamatan in `wilayah`; `bappeda` on every usulan of its pemda and owns the schedule, the
catalogue and the stage close. `opd` (its code in `opd`) only reads the attachments of usulan
routed to it (the entrypoints that let it in say so: `Caller.from_context(..., roles=READERS)`).
Anyone else is refused. A refusal changes nothing.
"""
from dataclasses import dataclass

from eplanning_common.errors import Forbidden

from .domain import Level, OperatorScope

DESA, KECAMATAN, BAPPEDA = "operator_desa", "operator_kecamatan", "bappeda"
ROLES = (DESA, KECAMATAN, BAPPEDA)
OPD = "opd"
LAMPIRAN_READERS = (*ROLES, OPD)  # who may call the attachment reads (each then checked per usulan)


@dataclass(frozen=True)
class Caller:
    sub: str
    role: str
    pemda: str
    wilayah: str | None = None
    opd: str | None = None

    @classmethod
    def from_context(cls, identity: dict | None, roles: tuple[str, ...] = ROLES) -> "Caller":
        if not identity or not identity.get("sub") or identity.get("role") not in roles or not identity.get("pemda"):
            raise Forbidden("Akses ditolak: identitas pengguna tidak dikenal", code="unauthenticated")
        caller = cls(identity["sub"], identity["role"], identity["pemda"], identity.get("wilayah"),
                     identity.get("opd") if identity["role"] == OPD else None)
        if caller.role in (DESA, KECAMATAN) and not caller.wilayah:
            raise Forbidden("Akses ditolak: operator tanpa wilayah", code="no_territory")
        if caller.role == OPD and not caller.opd:
            raise Forbidden("Akses ditolak: pengguna OPD tanpa kode OPD", code="no_opd")
        return caller

    def scope(self) -> OperatorScope:
        if self.role == DESA:
            return OperatorScope(pemda=self.pemda, kecamatan=self.wilayah.rsplit(".", 1)[0], desa=self.wilayah)
        if self.role == KECAMATAN:
            return OperatorScope(pemda=self.pemda, kecamatan=self.wilayah)
        return OperatorScope(pemda=self.pemda)


def _within(code: str, ancestor: str) -> bool:
    return code == ancestor or code.startswith(ancestor + ".")


def can_see(caller: Caller, pemda: str, desa: str) -> bool:
    if caller.pemda != pemda:
        return False
    if caller.role == BAPPEDA:
        return True
    if caller.role not in (DESA, KECAMATAN):
        return False
    return _within(desa, caller.wilayah)


def require_pemda(caller: Caller, pemda: str) -> None:
    if caller.pemda != pemda:
        raise Forbidden(f"Akses ditolak: pengguna bukan dari pemda {pemda}", code="other_pemda")


def require_bappeda(caller: Caller, pemda: str) -> None:
    require_pemda(caller, pemda)
    if caller.role != BAPPEDA:
        raise Forbidden("Akses ditolak: hanya Bappeda yang boleh melakukan ini", code="bappeda_only")


def require_usulan_access(caller: Caller, pemda: str, desa: str) -> None:
    if not can_see(caller, pemda, desa):
        raise Forbidden("Akses ditolak: usulan di luar wilayah Anda", code="outside_territory")


def require_author_role(caller: Caller) -> None:
    """Creating, editing and withdrawing usulan is the desa operator's work."""
    if caller.role != DESA:
        raise Forbidden("Akses ditolak: hanya operator desa yang membuat, mengubah atau menarik usulan",
                        code="desa_operator_only")


def require_decider(caller: Caller, level: Level, pemda: str, desa: str) -> None:
    """Desa decisions (the desa forum's outcome): that desa's operator; kecamatan decisions: that
    kecamatan's operator; kabupaten decisions: Bappeda only. Bappeda may record any level."""
    require_pemda(caller, pemda)
    if caller.role == BAPPEDA:
        return
    if level is Level.DESA and caller.role == DESA and caller.wilayah == desa:
        return
    if level is Level.KECAMATAN and caller.role == KECAMATAN and _within(desa, caller.wilayah):
        return
    raise Forbidden(f"Akses ditolak: tidak berwenang memutuskan di tingkat {level.value}", code="not_decider")


def require_kecamatan_forum(caller: Caller, pemda: str, kecamatan: str) -> None:
    """Scoring and closing a kecamatan forum: that kecamatan's operator or Bappeda."""
    require_pemda(caller, pemda)
    if caller.role == BAPPEDA or (caller.role == KECAMATAN and caller.wilayah == kecamatan):
        return
    raise Forbidden(f"Akses ditolak: bukan operator kecamatan {kecamatan}", code="not_forum_owner")


def require_lampiran_writer(caller: Caller, pemda: str, desa: str) -> None:
    """Adding and removing an usulan's attachments: the operator of that usulan's desa."""
    require_author_role(caller)
    require_usulan_access(caller, pemda, desa)


def require_lampiran_reader(caller: Caller, pemda: str, desa: str, routed_to: frozenset[str]) -> None:
    """Reading an usulan's attachments: whoever may see the usulan, and the OPD it was routed to
    (domain.lampiran.routed_to)."""
    if caller.role == OPD:
        if caller.pemda == pemda and caller.opd in routed_to:
            return
        raise Forbidden("Akses ditolak: usulan ini tidak diteruskan ke OPD Anda", code="not_routed_to_opd")
    require_usulan_access(caller, pemda, desa)
