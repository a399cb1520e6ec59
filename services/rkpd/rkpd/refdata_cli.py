"""`rkpd-refdata --pemda 12.21`: load a pemda's region tree (kecamatan and desa names for the
annexes and summaries) into the rkpd database."""
import sys

from eplanning_common.cli import wilayah


def main(argv=None) -> int:
    return wilayah.main(argv, service="rkpd")


if __name__ == "__main__":
    sys.exit(main())
