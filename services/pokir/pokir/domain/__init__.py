"""Pure domain of the Pokir service: no framework, no database, no broker (stdlib only).

The service layer calls the functions re-exported here; see README.md for the rules chosen.
"""
from .access import (Action, Actor, Role, authorize, can, can_create, can_deliver, can_edit,
                     can_follow_up, can_recommend, can_submit, can_view, can_withdraw)
from .canonical import canonical_json, sha256_hex
from .deadline import (WIB, WIT, WITA, PokirWindow, Zona, check_open, default_deadline,
                       window_from_calendar)
from .errors import (DomainError, FieldError, Forbidden, NotPublic, RowError, ScheduleClosed,
                     TransitionRefused, ValidationError)
from .kamus import KamusItem, KamusLookup, kamus_by_id
from .lifecycle import (ALLOWED_FROM, available_actions, deliver_to_bappeda, dispose_to_opd,
                        mark_accommodated, mark_not_accommodated, recommend, return_for_revision,
                        submit_to_setwan, withdraw)
from .manifest import (PokirManifest, SubmittedRecord, build_manifest, submitted_record,
                       submitted_set_digest)
from .money import compute_cost, decimal_text, format_rupiah, money_text, to_rupiah
from .overlaps import OVERLAP_THRESHOLD, OverlapPair, UsulanRef, find_overlaps, normalize_text
from .pagu import NO_CEILING, PaguPolicy, check_pagu, committed_cost, pagu_error, parse_policy
from .pokir import (DELIVERED_STATUSES, Akomodasi, HistoryEntry, Kajian, Lampiran, Pokir, PokirStatus, Review,
                    ReviewStatus)
from .review import parse_kajian, ready_for_opd, review_pokir
from .public import PublicPokirView, is_public, public_register, public_view
from .regions import InMemoryRegionDirectory, RegionDirectory
from .register import (Anggota, Dapil, DprdRegister, StafAhli, check_register,
                       validate_register)
from .register_import import parse_register_rows
from .reses import Reses, ResesInput, ResesLookup, new_reses
from .validation import PokirInput, ValidPokir, edit_pokir, new_pokir, validate_pokir

from types import ModuleType as _ModuleType

__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
