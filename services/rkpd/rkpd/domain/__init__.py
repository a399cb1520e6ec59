"""Pure domain of the RKPD service: no framework, no database, no broker (stdlib only).

Builds the RKPD document from the closed stages' data, deterministically; versions and diff.
See README.md for the rules chosen.
"""
from .canonical import canonical_json, sha256_hex
from .codes import LEVELS, code_key, nomenclature_path
from .changes import diff
from .acts import check_perkada, check_perubahan, check_publishable, check_rancangan_awal
from .document import SCHEMA, SCHEMAS, build_document, content_hash, opd_lines, penetapan_document
from .errors import DomainError, FieldError, TransitionRefused, ValidationError
from .inputs import AkomodasiIn, InMemoryNames, NameLookup, OpdIn, PokirIn, RenjaRowIn, UsulanIn
from .lampiran import final_status
from .money import decimal_text, money_text
from .narrative import CHAPTER_TITLES, Narrative, Section, default_narrative
from .tabel import build_tabel_v
from .versions import (ALL_VERSIONS, FIXED, LAMA, ORDERS, PERMENDAGRI, PERUBAHAN, VERSIONS, AssemblyPlan,
                       RkpdVersion, can_assemble, current_version, ensure_can_assemble, ensure_new_order,
                       is_final, mark_stale, next_version_name, plan_assembly, plan_penetapan, plan_perubahan,
                       plan_perubahan_open, plan_rancangan_awal, plan_system_assembly, promote,
                       record_assembly, system_assembled)

from types import ModuleType as _ModuleType

__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
