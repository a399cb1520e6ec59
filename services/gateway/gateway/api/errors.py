"""Request errors of the REST layer (codes rendered by gateway.auth.messages, in id or en)."""
from ..auth.errors import AuthError


class PreconditionRequired(AuthError):
    """428: an update of a versioned object without If-Match (RFC 6585 3)."""

    status = 428
    code = "if_match_required"


class PreconditionFailed(AuthError):
    """412: If-Match names a representation that is no longer current; nothing was changed."""

    status = 412
    code = "stale_etag"


class IdempotencyInProgress(AuthError):
    status = 409
    code = "idempotency_in_progress"


class IdempotencyKeyReused(AuthError):
    status = 422
    code = "idempotency_key_reused"


class UnsupportedMedia(AuthError):
    status = 415
    code = "unsupported_media"
