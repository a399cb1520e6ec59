"""What can go wrong in authentication and user administration, as exception types.

Each carries a message `code` (rendered in Bahasa Indonesia or English by `messages`) and its
parameters; `gateway.problems` holds the one table that turns them into problem+json answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One refused input field: `field` is a dotted path, `code` a message code of `messages`."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class AuthError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, code: str | None = None, **params: Any):
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.code)


class InputInvalid(AuthError):
    """422: the input does not fit its schema; `errors` says which fields and why."""

    status = 422
    code = "input_invalid"

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__()


class Unauthenticated(AuthError):
    """401: no usable access token. `code`: missing_token, malformed_authorization, invalid_token."""

    status = 401
    code = "missing_token"


class InvalidCredentials(AuthError):
    """401: unknown user, wrong password or inactive account: one error for all three."""

    status = 401
    code = "invalid_credentials"


class InvalidRefreshToken(AuthError):
    """401: unknown, expired, revoked or reused refresh token (all the same to the client)."""

    status = 401
    code = "invalid_refresh_token"


class AccessDenied(AuthError):
    status = 403
    code = "forbidden"


class UserNotFound(AuthError):
    status = 404
    code = "user_not_found"


class UsernameTaken(AuthError):
    status = 409
    code = "username_taken"


class RateLimited(AuthError):
    """429: too many failed logins for the account, from this client address or from all."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, scope: str):
        self.retry_after = max(int(retry_after), 1)
        self.scope = scope  # "client" (this account from this address) or "account" (from all)
        super().__init__(retry_after=self.retry_after)
