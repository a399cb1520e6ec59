"""The web application (`web/`, built by Vite into `web/dist`), served by the gateway at `/`.

A Falcon sink behind every route of the app: `/v1/...`, `/healthz` and `/readyz` are routes and
answer as before; an unknown `/v1/...` path (and `/metrics`, which lives on its own listener) is
still a 404 problem, never the app. For every other path (GET and HEAD):

* `/assets/<file>`: the hashed build output, `Cache-Control: public, max-age=31536000, immutable`;
  a missing asset is a 404 problem (an old page asking for a file the new build no longer has
  must not get index.html as JavaScript);
* a file at the build's root (`sw.js`, `manifest.webmanifest`, icons, `index.html`): itself,
  `Cache-Control: no-cache` (revalidated with its ETag: a new service worker or manifest is seen
  at once; the service worker is served from the root, so its scope is `/`);
* anything else (client-side routes such as `/lacak/ABC123`): `index.html`, `no-cache`; a path
  whose last segment names a file (`/x.png`) that does not exist is a 404 problem.

Every answer of the app carries the Content-Security-Policy below (no inline script or style: the
app ships none), `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, a
Permissions-Policy, and HSTS when the request came over TLS (directly, or `X-Forwarded-Proto:
https` from a trusted proxy). Without a build (`GATEWAY_WEB_DIR` has no index.html) the app's
paths answer a 404 problem `web_not_built` telling the operator to run `make web` (never a 500:
an API-only deployment answers those paths as it did before, 404, and logs no error).
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from pathlib import Path

import falcon

from .auth.browser import over_tls
from .problems import Problem

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
# paths that are never the app (they route, or answered 404, before the app existed)
NOT_THE_APP = ("/v1/", "/metrics")
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
                 ".webmanifest": "application/manifest+json", ".json": "application/json",
                 ".svg": "image/svg+xml", ".map": "application/json", ".txt": "text/plain; charset=utf-8",
                 ".woff2": "font/woff2", ".ico": "image/x-icon", ".png": "image/png", ".webp": "image/webp"}


class WebApp:
    """The Falcon sink serving the built web app from `root` (resolved; nothing outside it)."""

    public = True  # no token: the app's files are public (the API checks every call)

    def __init__(self, root: str | Path, trusted_proxy_hops: int = 0):
        self.root = Path(root).resolve()
        self._hops = trusted_proxy_hops
        self._etags: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def __call__(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        path = req.path
        if path == "/v1" or path.startswith(NOT_THE_APP) or path == "/metrics":
            raise falcon.HTTPRouteNotFound()
        for name, value in SECURITY_HEADERS.items():
            resp.set_header(name, value)
        if over_tls(req, self._hops):
            resp.set_header("Strict-Transport-Security", HSTS)
        if req.method not in ("GET", "HEAD"):
            raise Problem(405, "Aplikasi web hanya dibaca dengan GET.", headers={"Allow": "GET, HEAD"})
        if not (self.root / "index.html").is_file():
            raise Problem(404, "Aplikasi web belum dibangun: jalankan `make web` (atau `make up`), atau atur "
                               "GATEWAY_WEB_DIR ke folder hasil build (berisi index.html).", code="web_not_built")
        segments = [s for s in path.split("/") if s]
        if any(s.startswith(".") or "\\" in s or "\x00" in s for s in segments):
            raise falcon.HTTPRouteNotFound()
        if segments and segments[0] == "assets":
            file = self._file(segments)
            if file is None:
                raise Problem(404, "Berkas aplikasi ini tidak ada (mungkin dari versi sebelumnya): muat ulang "
                                   "halaman.", code="asset_not_found")
            return self._send(req, resp, file, IMMUTABLE)
        file = self._file(segments) if segments else None
        if file is None:
            if segments and "." in segments[-1]:
                raise falcon.HTTPRouteNotFound()
            file = self.root / "index.html"
        self._send(req, resp, file, NO_CACHE)

    def _file(self, segments: list[str]) -> Path | None:
        """The regular file at `segments` under the root (symlinks resolved, still inside), or None."""
        candidate = (self.root.joinpath(*segments)).resolve()
        if self.root not in candidate.parents or not candidate.is_file():
            return None
        return candidate

    def _etag(self, file: Path, stat: os.stat_result, body: bytes) -> str:
        key = (str(file), stat.st_mtime_ns, stat.st_size)
        etag = self._etags.get(key)
        if etag is None:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            with self._lock:
                if len(self._etags) > 4096:
                    self._etags.clear()
                self._etags[key] = etag
        return etag

    def _send(self, req: falcon.Request, resp: falcon.Response, file: Path, cache_control: str) -> None:
        stat = file.stat()
        body = file.read_bytes()
        etag = self._etag(file, stat, body)
        resp.set_header("Cache-Control", cache_control)
        resp.etag = etag
        matches = req.get_header("If-None-Match")
        if matches and etag in [tag.strip().removeprefix("W/") for tag in matches.split(",")]:
            resp.status = falcon.HTTP_304
            return
        resp.content_type = CONTENT_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] \
            or "application/octet-stream"
        resp.data = body


def add_sink(app: falcon.App, root: str | Path, trusted_proxy_hops: int = 0) -> WebApp:
    web = WebApp(root, trusted_proxy_hops)
    app.add_sink(web, "/")
    return web
