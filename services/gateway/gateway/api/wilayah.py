"""`GET /v1/public/wilayah/{pemda}`: the kecamatan and desa/kelurahan of a pemda, with names (no
login), so that no screen shows a bare code like 12.21.07.2008 where a name belongs.

Read by the gateway from the shipped Kemendagri region codes (gateway.regions says why). The
answer is the same for everyone and changes only with a release: it is cacheable
(`Cache-Control: public, max-age=86400`) and revalidated with its ETag (`If-None-Match` -> 304).
"""
from __future__ import annotations

import functools
import json
from typing import Any

from ..problems import Problem
from ..regions import default_index
from .operation import PUBLIC, Call, Operation, Raw
from .schemas import DESA, KECAMATAN, PEMDA, arr, obj, string

TAG = "public"
CACHE_CONTROL = "public, max-age=86400"

NAMED = obj({"kode": PEMDA, "nama": string()}, ["kode", "nama"])
DESA_ENTRY = obj({"kode": DESA, "nama": string()}, ["kode", "nama"])
KECAMATAN_ENTRY = obj({"kode": KECAMATAN, "nama": string(), "desa": arr(DESA_ENTRY, description="Sorted by kode")},
                      ["kode", "nama", "desa"])
WILAYAH = obj({"pemda": NAMED, "kecamatan": arr(KECAMATAN_ENTRY, description="Sorted by kode")},
              ["pemda", "kecamatan"], description="The region tree of a pemda (Kemendagri codes and names)")

EXAMPLE = {"pemda": {"kode": "12.21", "nama": "Kabupaten Padang Lawas"}, "kecamatan": [
    {"kode": "12.21.01", "nama": "Sosopan", "desa": [{"kode": "12.21.01.2001", "nama": "Pagaranbira Jae"}]}]}


@functools.lru_cache(maxsize=64)
def _body(pemda: str) -> bytes | None:
    tree = default_index().tree(pemda)
    if tree is None:
        return None
    return json.dumps(tree.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def get_wilayah(call: Call) -> Any:
    pemda = call.params["pemda"]  # its pattern is checked by the binding (422)
    body = _body(pemda)
    if body is None:
        raise Problem(404, f"Kode pemda {pemda} tidak ada dalam data wilayah Kemendagri. Periksa kodenya "
                           "(kode kabupaten/kota, mis. 12.21).", code="pemda_not_found")
    return Raw(body, "application/json", headers={"Cache-Control": CACHE_CONTROL})


OPERATIONS = [
    Operation("GET", "/v1/public/wilayah/{pemda}", "public.getWilayah",
              "The kecamatan and desa/kelurahan of a pemda, with their names", TAG, PUBLIC, get_wilayah,
              response=WILAYAH, response_example=EXAMPLE,
              description="Kemendagri codes and names (data/wilayah_indonesia.csv), sorted by kode. Cacheable: "
                          f"`Cache-Control: {CACHE_CONTROL}` and an ETag (If-None-Match -> 304). 404 "
                          "`pemda_not_found` for a code that is no kabupaten/kota."),
]
