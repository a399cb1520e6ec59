"""Errors a service raises across RPC. nameko sends only the class name and the arguments, so the
names are the contract with the gateway (ValidationError→422, NotFound→404, Forbidden→403,
Conflict→409, PayloadTooLarge→413, UnsupportedMediaType→415) and the one argument is a JSON-safe
dict: {"detail", "code", "errors": [...]}."""
import json


class ServiceError(Exception):
    code = "error"

    def __init__(self, detail: str, code: str | None = None, errors: list[dict] | None = None, **extra):
        payload = {"detail": detail, "code": code or self.code, **extra}
        if errors is not None:
            payload["errors"] = errors
        super().__init__(payload)
        self.payload = payload

    @property
    def detail(self) -> str:
        return self.payload["detail"]

    def __str__(self) -> str:
        # nameko's RemoteError keeps only str(exc): make it the whole payload, as JSON
        return json.dumps(self.payload, ensure_ascii=False, default=str)


class ValidationError(ServiceError):
    code = "validation_error"


class NotFound(ServiceError):
    code = "not_found"


class Forbidden(ServiceError):
    code = "forbidden"


class Conflict(ServiceError):
    code = "conflict"


class PayloadTooLarge(ServiceError):
    """A file (an attachment) larger than the service keeps: the detail says the limit."""

    code = "too_large"


class UnsupportedMediaType(ServiceError):
    """A file whose content (sniffed, never its name) is not of a type the service keeps."""

    code = "unsupported_media_type"
