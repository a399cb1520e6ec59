"""`python -m gateway.webhooks.ready [--timeout S]`: exit 0 when the `webhooks` worker answers its
health RPC (status ok or degraded), 1 otherwise. deploy/local/stack.sh waits on it."""
from __future__ import annotations

import argparse
import json
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.webhooks.ready", description=__doc__)
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)

    from ..rpc import NamekoRpc

    rpc = NamekoRpc(timeout=args.timeout)
    try:
        report = rpc.call("webhooks", "health")
    except Exception as exc:  # timeout, broker down, not running yet
        print(f"webhooks: not ready ({type(exc).__name__})", file=sys.stderr)
        return 1
    finally:
        close = getattr(rpc, "close", None)
        if close:
            close()
    print(json.dumps(report))
    return 0 if report.get("status") in ("ok", "degraded") else 1


if __name__ == "__main__":
    sys.exit(main())
