"""Pure domain of the RKPD service: no framework, no database, no broker (stdlib only).

Builds the RKPD document from the closed stages' data, deterministically; versions and diff.
See README.md for the rules chosen.
"""
from .canonical import canonical_json, sha256_hex
from .codes import LEVELS, code_key, nomenclature_path
from .changes import diff
from .document import SCHEMA, build_document, content_hash
from .errors import DomainError, FieldError, TransitionRefused, ValidationError
from .inputs import InMemoryNames, NameLookup, OpdIn, PokirIn, RenjaRowIn, UsulanIn
from .lampiran import final_status
from .money import decimal_text, money_text
from .narrative import CHAPTER_TITLES, Narrative, Section, default_narrative
from .tabel import build_tabel_v
from .versions import (VERSIONS, AssemblyPlan, RkpdVersion, can_assemble, current_version,
                       ensure_can_assemble, is_final, mark_stale, next_version_name,
                       plan_assembly, promote, record_assembly)

from types import ModuleType as _ModuleType

__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
