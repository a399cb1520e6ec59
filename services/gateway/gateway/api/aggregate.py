"""Aggregation: answers built from several services at once, in parallel, each call with a
deadline; a service that fails or is late is reported in its section, never hidden, and never
fails the whole answer.

- `GET /v1/dashboard/{tahun}`: stage states and windows, counts and amounts per stage and per
  kecamatan / OPD / DPRD member, in the caller's scope (each service scopes its own numbers).
- `GET /v1/usulan/{usulan_id}/trace`: the usulan's decision at every Musrenbang level, then the
  OPD decision and the renja row, then its lines in the latest RKPD version.
"""
from __future__ import annotations

import os
from typing import Any

from ..exceptions import RemoteServiceError, ServiceTimeout, ServiceUnavailable
from ..problems import to_problem
from .operation import ANGGOTA, BAPPEDA, DESA, KECAMATAN, OPD, SETWAN, STAF_AHLI, Call, Operation
from .schemas import TAHUN, arr, enum, integer, nullable, obj, open_obj, string

DEFAULT_TIMEOUT = 5.0


def section_timeout() -> float:
    """GATEWAY_AGGREGATE_TIMEOUT_SECONDS: the deadline of each parallel call (default 5)."""
    raw = os.environ.get("GATEWAY_AGGREGATE_TIMEOUT_SECONDS")
    return float(raw) if raw else DEFAULT_TIMEOUT


def _error(outcome: Exception) -> dict[str, Any]:
    """A failed section as the client sees it: status, title, detail (no exception text of a 500)."""
    if isinstance(outcome, ServiceTimeout):
        return {"status": 504, "code": "service_timeout", "service": outcome.service,
                "detail": f"Layanan {outcome.service} tidak merespons dalam {outcome.timeout:.3g} detik"}
    if isinstance(outcome, ServiceUnavailable):
        return {"status": 503, "code": "service_unavailable", "service": outcome.service,
                "detail": f"Layanan {outcome.service} sedang tidak tersedia"}
    if isinstance(outcome, RemoteServiceError):
        problem = _problem_of(outcome)
        return {"status": problem.status, "code": outcome.payload.get("code") or problem.type.rsplit(":", 1)[-1],
                "service": outcome.service, "detail": problem.detail}
    return {"status": 500, "code": "internal", "detail": "Kesalahan internal"}


class _NoRequest:
    """to_problem wants a request only for logging its method and path."""

    method, path = "RPC", "(aggregation)"

    def get_header(self, name):
        return None


def _problem_of(exc: Exception):
    return to_problem(exc, _NoRequest())


def gather(call: Call, sections: dict[str, tuple[str, str, tuple, dict]]) -> tuple[dict[str, Any], list[str]]:
    """Run every section's RPC in parallel; {name: {"status": "ok", "data"} | {"status": "error", "error"}}."""
    names = list(sections)
    outcomes = call.rpc.call_many([sections[n] for n in names], timeout=section_timeout())
    result, failed = {}, []
    for name, outcome in zip(names, outcomes):
        if isinstance(outcome, Exception):
            result[name] = {"status": "error", "error": _error(outcome)}
            failed.append(name)
        else:
            result[name] = {"status": "ok", "data": outcome}
    return result, failed


# -- dashboard ----------------------------------------------------------------------------------

# which sections each role sees (a section the role cannot read is not asked for)
DASHBOARD_SECTIONS: dict[str, tuple[str, ...]] = {
    BAPPEDA: ("jadwal_musrenbang", "musrenbang", "pokir", "renja", "rkpd"),
    KECAMATAN: ("jadwal_musrenbang", "musrenbang"),
    DESA: ("jadwal_musrenbang", "musrenbang"),
    OPD: ("renja",),
    SETWAN: ("pokir",),
    ANGGOTA: ("pokir",),
    STAF_AHLI: ("pokir",),
}


def _dashboard_calls(tahun: int) -> dict[str, tuple[str, str, tuple, dict]]:
    return {
        "jadwal_musrenbang": ("musrenbang", "get_schedule", (tahun,), {}),
        "musrenbang": ("musrenbang", "summary", (tahun,), {}),
        "pokir": ("pokir", "summary", (tahun,), {}),
        "renja": ("renja", "totals", (tahun,), {}),
        "rkpd": ("rkpd", "status", (tahun,), {}),
    }


def dashboard(call: Call) -> dict:
    tahun = call.params["tahun"]
    wanted = DASHBOARD_SECTIONS[call.identity["role"]]
    calls = {name: spec for name, spec in _dashboard_calls(tahun).items() if name in wanted}
    sections, failed = gather(call, calls)
    return {"tahun": tahun, "pemda": call.identity["pemda"], "partial": bool(failed), "gagal": failed,
            "bagian": sections}


# -- trace --------------------------------------------------------------------------------------

def _levels(usulan: dict) -> list[dict]:
    """Every recorded decision, in order, with the level, status, reason and the revised amounts."""
    out = []
    for decision in usulan.get("decisions", []):
        out.append({key: decision.get(key) for key in
                    ("level", "status", "reason", "volume", "cost", "merged_into", "by", "at") if key in decision})
    return out


def trace(call: Call) -> dict:
    usulan_id = call.params["usulan_id"]
    # first the usulan itself: Musrenbang decides whether the caller may see it at all
    usulan = call.rpc.call("musrenbang", "get_usulan", usulan_id)
    follow_ups = usulan.get("tindak_lanjut") or []
    row_ids = [f["renja_row_id"] for f in follow_ups if f.get("renja_row_id")]
    sections, failed = gather(call, {
        "renja": ("renja", "trace", ("musrenbang", usulan_id), {}),
        "rkpd": ("rkpd", "trace", (usulan["tahun"], "usulan", usulan_id, row_ids), {}),
    })
    return {
        "usulan": {key: usulan.get(key) for key in ("id", "tracking_code", "tahun", "pemda", "kecamatan", "desa",
                                                    "gagasan", "volume", "cost", "status", "submitted_at")},
        "musrenbang": {"status_per_level": usulan.get("status_per_level"), "keputusan": _levels(usulan),
                       "merged_into": usulan.get("merged_into")},
        "tindak_lanjut_opd": follow_ups,
        "renja": sections["renja"],
        "rkpd": sections["rkpd"],
        "partial": bool(failed),
        "gagal": failed,
    }


SECTION = {"oneOf": [
    obj({"status": enum("ok"), "data": {}}, ["status", "data"]),
    obj({"status": enum("error"), "error": obj({"status": integer(), "code": string(), "service": string(),
                                                "detail": string()}, ["status", "code", "detail"])},
        ["status", "error"]),
]}

DASHBOARD_RESPONSE = obj({
    "tahun": TAHUN, "pemda": string(), "partial": {"type": "boolean"}, "gagal": arr(string()),
    "bagian": {"type": "object", "additionalProperties": SECTION},
}, ["tahun", "pemda", "partial", "gagal", "bagian"])

TRACE_RESPONSE = obj({
    "usulan": open_obj("The usulan (no personal data of the proposer)"),
    "musrenbang": obj({"status_per_level": open_obj(), "keputusan": arr(open_obj()),
                       "merged_into": nullable(string())}, ["status_per_level", "keputusan"]),
    "tindak_lanjut_opd": arr(open_obj()),
    "renja": SECTION, "rkpd": SECTION, "partial": {"type": "boolean"}, "gagal": arr(string()),
}, ["usulan", "musrenbang", "tindak_lanjut_opd", "renja", "rkpd", "partial", "gagal"])

OPERATIONS = [
    Operation("GET", "/v1/dashboard/{tahun:int}", "dashboard.get",
              "Dashboard of a cycle: stage states and windows, counts and amounts, in the caller's scope",
              "dashboard", frozenset(DASHBOARD_SECTIONS), dashboard, response=DASHBOARD_RESPONSE,
              description="Sections are fetched in parallel, each with a deadline "
                          "(GATEWAY_AGGREGATE_TIMEOUT_SECONDS); a failed section is reported in `bagian` and "
                          "named in `gagal`, and `partial` is true.",
              response_example={"tahun": 2027, "pemda": "12.21", "partial": True, "gagal": ["rkpd"],
                                "bagian": {"musrenbang": {"status": "ok", "data": {"total": {"jumlah": 1}}},
                                           "rkpd": {"status": "error", "error": {
                                               "status": 504, "code": "service_timeout", "service": "rkpd",
                                               "detail": "Layanan rkpd tidak merespons dalam 5 detik"}}}}),
    Operation("GET", "/v1/usulan/{usulan_id}/trace", "usulan.trace",
              "Where an usulan went: each Musrenbang level, the OPD decision and renja row, its RKPD line",
              "dashboard", frozenset({BAPPEDA, KECAMATAN, DESA}), trace, response=TRACE_RESPONSE,
              description="Musrenbang authorizes the caller for the usulan first (404/403 end it there); the "
                          "Renja and RKPD parts are then fetched in parallel and reported as sections."),
]


