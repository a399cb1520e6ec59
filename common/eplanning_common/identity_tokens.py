"""Signed caller identities for RPC: who may sign what, and how a service checks it.

Broker credentials are not an identity. The gateway (issuer `gateway`) signs the verified caller of
each request, and RKPD (issuer `rkpd`) signs its own service identity for its upstream reads, as a
short-lived JWT (RFC 7519/8725) per call:

    header  {"alg": "EdDSA", "typ": "JWT", "kid": <RFC 7638 thumbprint of the signing key>}
    claims  {"iss": "gateway" | "rkpd", "aud": <target service>, "rid": <request (correlation) id>,
             "iat": now, "exp": now + the RPC timeout, "sub", "role", "pemda", "wilayah"?, "opd"?,
             "anggota_id"?}

Ed25519 keys: an issuer holds its private key alone; the services hold only public keys. A key id
is the key's own thumbprint, so a keyring is just a set of public keys per issuer and several keys
can be trusted at once (rotation: add the new public key to the services, then switch the signer,
then drop the old one).

Keys live in one folder, RPC_IDENTITY_KEYS_DIR (config.rpc_identity_keys_dir):
    <issuer>.key   the issuer's Ed25519 private key (PKCS#8 PEM, mode 0600): only that component
    <issuer>.pub   the public keys trusted for that issuer (one PEM block or several): every service

`IdentityVerifier.verify` raises `IdentityRefused(reason)`; the reasons are short stable words for
the security log (`malformed`, `algorithm`, `unknown_key`, `bad_signature`, `expired`,
`wrong_audience`, `wrong_issuer`, `lifetime`, `request_mismatch`, `not_granted`, `invalid`).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import config
from .service_grants import GATEWAY, ISSUERS, SERVICE_IDENTITIES, ServiceIdentity

ALGORITHM = "EdDSA"  # the one algorithm accepted (RFC 8725 3.1: a fixed list, never the token's choice)
LEEWAY_SECONDS = 2  # clock skew tolerated between the signer's and the service's hosts
MAX_LIFETIME_SECONDS = 120  # a token living longer than this is refused, whoever signed it
IDENTITY_KEYS = ("sub", "role", "pemda", "wilayah", "opd", "anggota_id")
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "rid"]


class IdentityRefused(Exception):
    """A token that does not prove an identity. `reason`: one short word for the security log."""

    def __init__(self, reason: str, detail: str = "", *, issuer: str | None = None, kid: str | None = None):
        self.reason, self.issuer, self.kid = reason, issuer, kid
        super().__init__(f"{reason}: {detail}" if detail else reason)


class KeysMissing(RuntimeError):
    """The keys folder lacks a file this component needs (a deployment error: fail at start)."""


# -- keys -----------------------------------------------------------------------------------------

def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(jwk.encode("ascii")).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def load_public_keys(pem: bytes) -> list[Ed25519PublicKey]:
    """Every PEM public key block of `pem` (a keyring file); anything but Ed25519 is refused."""
    keys, marker = [], b"-----END PUBLIC KEY-----"
    for block in pem.split(marker)[:-1]:
        key = serialization.load_pem_public_key(block.strip() + b"\n" + marker + b"\n")
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("an RPC identity key must be Ed25519")
        keys.append(key)
    return keys


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("an RPC identity key must be Ed25519")
    return key


def generate_keys(folder: str | os.PathLike | None = None, issuers: tuple[str, ...] = ISSUERS) -> list[Path]:
    """Create each issuer's key pair in `folder` unless it is there already (idempotent): the private
    key with mode 0600 (created so, never readable by others, never printed), the public key beside
    it. Returns the files it created."""
    folder = Path(folder or config.rpc_identity_keys_dir())
    folder.mkdir(parents=True, exist_ok=True)
    created = []
    for issuer in issuers:
        private_file, public_file = folder / f"{issuer}.key", folder / f"{issuer}.pub"
        if private_file.exists():
            if not public_file.exists():
                public_file.write_bytes(public_pem(load_private_key(private_file.read_bytes()).public_key()))
                created.append(public_file)
            continue
        key = Ed25519PrivateKey.generate()
        fd = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private_pem(key))
        public_file.write_bytes(public_pem(key.public_key()))
        created += [private_file, public_file]
    return created


# -- signing --------------------------------------------------------------------------------------

class IdentitySigner:
    """Signs identities as `issuer` with one private key: `sign(identity, audience, request_id, ttl)`."""

    def __init__(self, issuer: str, private_key: Ed25519PrivateKey):
        if issuer not in ISSUERS:
            raise ValueError(f"unknown RPC identity issuer {issuer!r}")
        self.issuer = issuer
        self._key = private_key
        self.kid = key_id(private_key.public_key())

    @classmethod
    def from_keys_dir(cls, issuer: str, folder: str | os.PathLike | None = None) -> "IdentitySigner":
        path = Path(folder or config.rpc_identity_keys_dir()) / f"{issuer}.key"
        if not path.is_file():
            raise KeysMissing(f"RPC identity signing key {path} not found (RPC_IDENTITY_KEYS_DIR; "
                              "`eplanning-keys generate` creates the local ones)")
        return cls(issuer, load_private_key(path.read_bytes()))

    def sign(self, identity: Mapping[str, Any], audience: str, request_id: str, ttl: float) -> str:
        now = int(time.time())
        claims = {key: identity.get(key) for key in IDENTITY_KEYS if identity.get(key) is not None}
        claims.update({"iss": self.issuer, "aud": audience, "rid": request_id, "iat": now,
                       "exp": now + max(1, min(int(ttl + 0.999), MAX_LIFETIME_SECONDS))})
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


# -- verifying ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verified:
    """A checked token: `identity` is what the service's authorization reads (for a service identity:
    the scope its grant gives, plus `service` and `service_role`); `issuer` and `kid` who signed."""
    identity: dict
    issuer: str
    kid: str


class IdentityVerifier:
    """Checks tokens against a keyring {kid: (issuer, public key)}."""

    def __init__(self, keyring: Mapping[str, tuple[str, Ed25519PublicKey]]):
        self.keyring = dict(keyring)

    @classmethod
    def from_keys_dir(cls, folder: str | os.PathLike | None = None,
                      issuers: tuple[str, ...] = ISSUERS) -> "IdentityVerifier":
        folder = Path(folder or config.rpc_identity_keys_dir())
        keyring = {}
        for issuer in issuers:
            path = folder / f"{issuer}.pub"
            if not path.is_file():
                raise KeysMissing(f"RPC identity public keys {path} not found (RPC_IDENTITY_KEYS_DIR; "
                                  "`eplanning-keys generate` creates the local ones)")
            keys = load_public_keys(path.read_bytes())
            if not keys:
                raise KeysMissing(f"{path} holds no public key")
            keyring.update({key_id(key): (issuer, key) for key in keys})
        return cls(keyring)

    def verify(self, token: str, service: str, method: str, request_id: str | None) -> Verified:
        if not isinstance(token, str) or len(token) > 4096:
            raise IdentityRefused("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise IdentityRefused("malformed") from None
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        if header.get("alg") != ALGORITHM:
            raise IdentityRefused("algorithm", str(header.get("alg"))[:16], kid=kid)
        entry = self.keyring.get(kid or "")
        if entry is None:
            raise IdentityRefused("unknown_key", kid=kid)
        issuer, key = entry
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=service, issuer=issuer,
                                leeway=LEEWAY_SECONDS, options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise IdentityRefused("expired", issuer=issuer, kid=kid) from None
        except jwt.InvalidAudienceError:
            raise IdentityRefused("wrong_audience", issuer=issuer, kid=kid) from None
        except jwt.InvalidIssuerError:
            raise IdentityRefused("wrong_issuer", issuer=issuer, kid=kid) from None
        except jwt.InvalidSignatureError:
            raise IdentityRefused("bad_signature", issuer=issuer, kid=kid) from None
        except jwt.PyJWTError as exc:
            raise IdentityRefused("invalid", type(exc).__name__, issuer=issuer, kid=kid) from None
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("iat"), int) \
                or claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS \
                or claims["iat"] > time.time() + LEEWAY_SECONDS:
            raise IdentityRefused("lifetime", issuer=issuer, kid=kid)
        if request_id is None or claims.get("rid") != request_id:
            raise IdentityRefused("request_mismatch", issuer=issuer, kid=kid)
        return Verified(_identity(claims, issuer, service, method, kid), issuer, kid)


def _identity(claims: dict, issuer: str, service: str, method: str, kid: str) -> dict:
    identity = {key: claims.get(key) for key in IDENTITY_KEYS}
    if issuer == GATEWAY:
        # the gateway signs people; a service identity is never the gateway's to give
        if any(spec.role == identity["role"] or spec.sub == identity["sub"] for spec in SERVICE_IDENTITIES.values()):
            raise IdentityRefused("not_granted", "service identity from the gateway", issuer=issuer, kid=kid)
        return identity
    spec: ServiceIdentity | None = next((s for s in SERVICE_IDENTITIES.values() if s.issuer == issuer), None)
    if spec is None or identity["sub"] != spec.sub or identity["role"] != spec.role or not identity["pemda"]:
        raise IdentityRefused("not_granted", "not this issuer's service identity", issuer=issuer, kid=kid)
    if method not in spec.grants.get(service, ()):
        raise IdentityRefused("not_granted", f"{spec.sub} may not call {service}.{method}", issuer=issuer, kid=kid)
    # the grant's scope, for the service's own authorization; who it really is stays visible (audit)
    return {"sub": spec.sub, "role": spec.acts_as, "pemda": identity["pemda"], "wilayah": None, "opd": None,
            "anggota_id": None, "service": spec.issuer, "service_role": spec.role}
