"""Pure domain of the Musrenbang service: no framework, no database, no broker.

The service layer calls the functions re-exported here; see README.md for the rules chosen.
"""
from .canonical import canonical_json, sha256_hex
from .decisions import DecideUsulan, DecisionOutcome, decide, ensure_decidable
from .duplicates import SIMILARITY_THRESHOLD, DuplicatePair, find_duplicates, normalize_text
from .errors import (DomainError, FieldError, MergeRefused, ScheduleChangeRefused, ScheduleClosed,
                     TransitionRefused, ValidationError)
from .kamus import KamusItem, KamusLookup, kamus_by_id
from .manifest import (AcceptedRecord, StageManifest, accepted_record, accepted_set_digest,
                       build_manifest)
from .merge import check_merge
from .money import compute_cost, decimal_text, money_text, to_rupiah
from .privacy import PENGUSUL_VISIBLE, pengusul_for
from .public import PublicUsulanView, public_view
from .ranking import RankEntry, Ranked, compare, entry_for, rank, rank_key
from .regions import InMemoryRegionDirectory, RegionDirectory
from .schedule import (LEVEL_STEP, STEP_LEVEL, STEPS, TATA_URUTAN, TATA_URUTAN_BARU, TATA_URUTAN_LAMA,
                       ChangeKind, Level, Schedule, ScheduleChange, Step, Window, as_step, check_window,
                       close_early, extend, reopen)
from .calendar import (RULES as STEP_RULES, ZONES, DependenciesOpen, StepInput, StepRule, check_change_keeps_order,
                       closed_steps, jenis_pemda, local_label, new_calendar, order_errors, pokir_deadline,
                       require_dependencies_closed, step_state, step_title)
from .scoring import Criterion, ScoringScheme, check_all, weighted_total
from .totals import accepted_at, total_cost
from .tracking import (format_tracking_code, generate_tracking_code, is_valid_tracking_code,
                       normalize_tracking_code)
from .trail import Decision, DecisionStatus
from .usulan import LEVEL_STATUSES, Pengusul, Usulan, UsulanStatus, status_at, submit, withdraw
from .validation import OperatorScope, UsulanInput, new_usulan, validate_usulan

from types import ModuleType as _ModuleType

__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
