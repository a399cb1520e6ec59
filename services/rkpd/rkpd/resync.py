"""Rebuild one stage's copy from the upstream service (RPC, paged) after a manifest mismatch."""
import logging

from . import facts, upstream
from .tables import renja_row_copy

log = logging.getLogger(__name__)


def _event(pemda, tahun, data) -> dict:
    return {"pemda": pemda, "tahun": tahun, "data": data}


def resync(uow, amqp_uri: str, pemda: str, tahun: int, stage_name: str) -> int:
    """Upsert every upstream record of `stage_name` (the newest version wins); returns how many."""
    count = 0
    with upstream.proxy(amqp_uri, pemda) as rpc:
        if stage_name == "musrenbang":
            for view in upstream.pages(rpc.musrenbang.list_usulan, tahun):
                facts.record_usulan(uow, _event(pemda, tahun, upstream.usulan_as_event_data(view)))
                if view["status"] == "withdrawn":
                    facts.record_withdrawal(uow, _event(pemda, tahun, upstream.usulan_as_event_data(view)))
                for d in view["decisions"]:
                    facts.record_decision(uow, _event(pemda, tahun, upstream.decision_as_event_data(view, d)))
                count += 1
        elif stage_name == "pokir":
            for view in upstream.pages(rpc.pokir.list_pokir, tahun):
                facts.record_pokir(uow, _event(pemda, tahun, upstream.pokir_as_event_data(view)))
                count += 1
        else:
            seen = set()
            for row in upstream.pages(rpc.renja.list_rows, tahun):
                facts.record_row(uow, _event(pemda, tahun, row))
                seen.add(row["row_id"])
                count += 1
            # rows the copy holds that upstream no longer has were deleted; an upstream with no rows at
            # all has nothing to add (a deletion travels as row.deleted.v1): the rows the events
            # brought are never marked deleted on its word
            if seen:
                uow.execute(renja_row_copy.update().where(
                    renja_row_copy.c.pemda == pemda, renja_row_copy.c.tahun == tahun,
                    renja_row_copy.c.row_id.notin_(seen)).values(deleted=True))
    log.info("resynced from upstream", extra={"stage": stage_name, "records": count, "pemda": pemda, "tahun": tahun})
    return count
