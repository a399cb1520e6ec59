"""Kamus usulan: the shared catalogue shape (eplanning_common.domainkit.kamus)."""
from eplanning_common.domainkit.kamus import KamusItem, KamusLookup, kamus_by_id, volume_errors  # noqa: F401
