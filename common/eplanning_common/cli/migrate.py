"""eplanning-migrate SERVICE [SERVICE ...] | all — create each service's database if needed and
run its Alembic migrations to head."""
import argparse
import sys

from .. import config
from ..migrations import migrate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-migrate", description=__doc__)
    parser.add_argument("services", nargs="+", help=f"service names ({', '.join(config.SERVICES)}) or 'all'")
    args = parser.parse_args(argv)
    services = list(config.SERVICES) if args.services == ["all"] else args.services
    unknown = [s for s in services if s not in config.SERVICES]
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}")
    for service in services:
        migrate(service)
        print(f"{service}: migrated ({config.database_url(service).rsplit('/', 1)[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
