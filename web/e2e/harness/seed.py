"""What the web app's end-to-end journeys need, put in through the gateway's public API only.

1. The previous cycle (plan year CYCLE_YEAR) played whole by the demo (`eplanning_demo`) on a small
   territory (two kecamatan, three desa each): users for every role, usulan decided at
   every level, pokir, Renja, the RKPD assembled and published. The citizen pages (journey 4) track
   one of its usulan and download its RKPD.
2. The current cycle (plan year CURRENT_YEAR, the one the desa operator's home shows): the kamus
   imported, the schedule set with every window open now, the scoring criteria. Journeys 1 and 2
   write usulan in kecamatan 12.21.01.
3. The kecamatan forum of journey 3 (kecamatan FORUM_KECAMATAN, CURRENT_YEAR): four usulan of its
   desa, two of them alike (a flagged duplicate), each accepted by its desa.

Writes a JSON file (--out) the journeys read: gateway, years, users and password, tracking codes.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from eplanning_demo.__main__ import DEFAULT_USER_PASSWORD
from eplanning_demo.client import Api
from eplanning_demo.cycle import Cycle
from eplanning_demo.plan import Territory, build_plan, load_reference

PEMDA = "12.21"
# the cycle the operators work in (windows open now): next calendar year in WIB, the app's default
# plan year (web/src/format.ts currentPlanYear); the published RKPD the citizen pages show is the
# previous one
CURRENT_YEAR = (datetime.now(timezone.utc) + timedelta(hours=7)).year + 1
CYCLE_YEAR = CURRENT_YEAR - 1
JOURNEY_KECAMATAN = "12.21.01"
FORUM_KECAMATAN = "12.21.02"
# every OPD of the register (`make up` loads all of them, and the Renja stage closes only when each
# OPD's Renja is final)
TERRITORY = Territory(kecamatan=(JOURNEY_KECAMATAN, FORUM_KECAMATAN), desa_per_kecamatan=3)
SEED = 3
SCALE = 0.5


def forum_usulan(plan, desa: list[tuple[str, str]]) -> list[dict]:
    """Four usulan for the forum: the first two from one desa on one kamus item with nearly the same
    text (the duplicate the forum merges), two more from other desa."""
    k1, k2, k3 = plan.kamus[0], plan.kamus[1 % len(plan.kamus)], plan.kamus[2 % len(plan.kamus)]
    (d1, n1), (d2, n2), (d3, n3) = desa[0], desa[1], desa[2]
    return [
        {"key": "forum-a", "desa": d1, "kamus": k1, "volume": "10",
         "permasalahan": f"Warga Desa {n1} kesulitan karena {k1.nama.lower()} belum ada di dusun dua",
         "gagasan": f"{k1.nama} di dusun dua Desa {n1}", "pengusul": {"nama": "Kelompok Tani Sejahtera"}},
        {"key": "forum-b", "desa": d1, "kamus": k1, "volume": "8",
         "permasalahan": f"Warga Desa {n1} kesulitan karena {k1.nama.lower()} belum ada di dusun dua",
         "gagasan": f"{k1.nama} di dusun dua Desa {n1} (usulan karang taruna)",
         "pengusul": {"nama": "Karang Taruna Bersatu"}},
        {"key": "forum-c", "desa": d2, "kamus": k2, "volume": "5",
         "permasalahan": f"Kebutuhan {k2.nama.lower()} di Desa {n2} mendesak",
         "gagasan": f"{k2.nama} di Desa {n2}", "pengusul": {"nama": "PKK Desa"}},
        {"key": "forum-d", "desa": d3, "kamus": k3, "volume": "12",
         "permasalahan": f"Warga Desa {n3} meminta {k3.nama.lower()}",
         "gagasan": f"{k3.nama} di Desa {n3}", "pengusul": {"nama": "Tokoh Masyarakat"}},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--admin-password-file", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    reference = load_reference()
    api = Api(args.gateway, pool_size=16)
    admin_password = args.admin_password_file.read_text(encoding="utf-8").strip()

    # 1. the previous cycle, whole
    previous = build_plan(reference, seed=SEED, scale=SCALE, territory=TERRITORY, tahun=CYCLE_YEAR)
    result = Cycle(api, previous, admin_password=admin_password, user_password=DEFAULT_USER_PASSWORD, workers=4,
                   rkpd_timeout=600).run()
    if result.problems:
        print("seed: the RKPD does not agree with the cycle:", *result.problems[:10], sep="\n  ", file=sys.stderr)
        return 1

    # 2. the current cycle: kamus, schedule (every window open now), criteria
    current = build_plan(reference, seed=SEED, scale=SCALE, territory=TERRITORY, tahun=CURRENT_YEAR)
    t = CURRENT_YEAR
    api.call("bappeda", "PUT", f"/v1/musrenbang/{t}/kamus", raw=current.kamus_csv().encode(), content_type="text/csv")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    opens, closes = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=30)).isoformat()
    api.call("bappeda", "PUT", f"/v1/musrenbang/{t}/schedule",
             {"windows": [{"level": level, "opens_at": opens, "closes_at": closes}
                          for level in ("desa", "kecamatan", "kabupaten")]})
    api.call("bappeda", "PUT", f"/v1/musrenbang/{t}/criteria",
             {"criteria": [{"name": n, "weight": w, "max_score": m} for n, w, m in current.criteria]})

    # 3. the forum's usulan, each accepted by its desa
    forum_desa = [(d, nama) for d, nama, k in current.desa if k == FORUM_KECAMATAN]
    forum = []
    for u in forum_usulan(current, forum_desa):
        user = current.desa_user(u["desa"])
        body = {"desa": u["desa"], "kamus_item_id": current.kamus_id(u["kamus"].kode), "volume": u["volume"],
                "permasalahan": u["permasalahan"], "gagasan": u["gagasan"], "pengusul": u["pengusul"]}
        created = api.create(user, f"/v1/musrenbang/{t}/usulan", body, key=f"e2e-{u['key']}")
        path = f"/v1/musrenbang/usulan/{created['id']}"
        api.update(user, "POST", f"{path}/decisions", {"level": "desa", "status": "diterima"}, read=path,
                   applied=lambda s: any(d["level"] == "desa" for d in s.get("decisions", [])))
        forum.append({"key": u["key"], "id": created["id"], "tracking_code": created["tracking_code"],
                      "desa": u["desa"], "gagasan": u["gagasan"], "volume": u["volume"],
                      "harga_satuan": str(u["kamus"].harga_satuan), "kamus": u["kamus"].nama})

    # an usulan of the previous cycle with a decision at every level and an OPD's follow-up
    routed = previous.routed_usulan()
    tracked = result.usulan[routed[0].n]["tracking_code"] if routed else next(iter(result.usulan.values()))[
        "tracking_code"]
    journey_desa = [d for d, _, k in current.desa if k == JOURNEY_KECAMATAN]
    seed = {
        "gateway": args.gateway, "pemda": PEMDA, "cycle_year": CYCLE_YEAR, "current_year": CURRENT_YEAR,
        "password": DEFAULT_USER_PASSWORD,
        "users": {"desa": current.desa_user(journey_desa[0]), "desa_offline": current.desa_user(journey_desa[1]),
                  "kecamatan": current.kecamatan_user(FORUM_KECAMATAN), "bappeda": "bappeda"},
        "desa": {"journey": journey_desa[0], "offline": journey_desa[1]},
        "forum": {"kecamatan": FORUM_KECAMATAN, "usulan": forum},
        "tracked_code": tracked,
        "rkpd": result.published,
        "criteria": [{"name": n, "weight": w, "max_score": m} for n, w, m in current.criteria],
    }
    args.out.write_text(json.dumps(seed, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
