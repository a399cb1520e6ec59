"""Pure domain of the Renja service: no framework, no database, no broker (stdlib only).

The service layer calls the functions re-exported here; see README.md for the rules chosen.
"""
from .akomodasi import (BARIS_BARU, MODES, SUDAH_TERCAKUP, TAMBAH, Akomodasi, attributed,
                        below_attributed_error, covered_by_row, grow_row, into_new_row)
from .access import Action, Actor, Role, authorize, can, refusal
from .canonical import canonical_json, sha256_hex
from .closing import INBOX_PENDING, RENJA_NOT_FINAL, Blocker, close_blockers
from .errors import (DomainError, FieldError, Forbidden, RowError, TransitionRefused,
                     ValidationError)
from .forum_pd import BENTUK, GABUNGAN, PER_OPD, ForumPd, Peserta, closed_forum, record_forum
from .forum_pd import close_blockers as forum_close_blockers
from .inbox import (Decision, InboxItem, InboxStatus, accommodate, accommodation_amounts, add_to_inbox,
                    inbox_item_id, new_inbox_item, pending_items, reject, reroute)
from .lifecycle import (EDITABLE, HistoryEntry, RenjaState, RenjaStatus, available_actions,
                        ensure_rows_editable, finalize_renja, new_renja, open_for_perubahan, return_renja,
                        submit_renja, verify_renja)
from .kalender import Window, forum_pd_calendar_blockers, step_of
from .lokasi import CAKUPAN, covers, inferred_cakupan, lokasi_field
from .manifest import Manifest, build_manifest, row_record, rows_digest
from .money import decimal_text, format_rupiah, money_text, to_rupiah
from .nomenclature import (InMemoryNomenclature, NomenclatureLookup, SubKegiatan, bidang_of,
                           sub_kegiatan_errors)
from .opd import Opd, opd_codes, parse_opd_rows, split_bidang
from .penetapan import differences as penetapan_differences
from .pagu import OpdTotals, Pagu, ceiling_errors, opd_totals, set_pagu
from .rows import (SOURCES, RenjaRow, RowInput, SourceRef, attach_source,
                   ensure_row_removable, row_diff, validate_row)
from .snapshots import SNAPSHOT_NAMES, Comparison, Snapshot, compare, take_snapshot

from types import ModuleType as _ModuleType

__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
