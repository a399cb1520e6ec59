"""eplanning-keys — the Ed25519 keys that sign RPC identities (eplanning_common.identity_tokens).

  eplanning-keys generate [--dir DIR]   create each issuer's key pair (gateway, rkpd) unless present:
                                        DIR/<issuer>.key (private, mode 0600) and DIR/<issuer>.pub
  eplanning-keys kid FILE               the key ids (RFC 7638 thumbprints) of a .pub or .key file

DIR defaults to RPC_IDENTITY_KEYS_DIR (else the clone's var/keys). `make up` runs `generate`; it
never overwrites a key and never prints one. Rotation without downtime, for one issuer (gateway):
  1. openssl genpkey -algorithm ed25519 -out gateway.key.new
     openssl pkey -in gateway.key.new -pubout >> gateway.pub        (now two public keys)
  2. give every service the new gateway.pub and restart them one replica at a time;
  3. replace the gateway's gateway.key with gateway.key.new, restart the gateway's replicas;
  4. after the longest token lifetime (RPC_TIMEOUT_SECONDS), drop the old block from gateway.pub.
"""
import argparse
import sys
from pathlib import Path

from ..identity_tokens import generate_keys, key_id, load_private_key, load_public_keys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-keys", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="create the missing key pairs")
    generate.add_argument("--dir", help="the keys folder (default: RPC_IDENTITY_KEYS_DIR or var/keys)")
    kid = commands.add_parser("kid", help="print the key ids of a key file")
    kid.add_argument("file")
    args = parser.parse_args(argv)

    if args.command == "generate":
        for path in generate_keys(args.dir):
            print(f"created {path}")
        return 0
    data = Path(args.file).read_bytes()
    keys = [load_private_key(data).public_key()] if b"PRIVATE KEY" in data else load_public_keys(data)
    for key in keys:
        print(key_id(key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
