"""Money and volume: the shared rules (eplanning_common.domainkit.money), re-exported for this
domain's modules."""
from eplanning_common.domainkit.money import (CENT, VOLUME_LIMIT, VOLUME_PLACES, ZERO, compute_cost,  # noqa: F401
                                              decimal_places, decimal_text, format_rupiah, money_text,
                                              parse_decimal, to_rupiah)
