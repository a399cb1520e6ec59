"""Backup and restore of one E-Planning installation (eplanning-backup, `make backup` / `make restore`).

One archive (an uncompressed tar: the dumps are compressed already) holds

    manifest.json             format, creation time, what each member is, and the SHA-256 and size
                              of every other member (manifest.py)
    audit-anchors.json        the head SEQ:HASH of each audit chain, read before its database was dumped
    databases/<name>.dump     pg_dump custom format of each database: musrenbang, pokir, renja, rkpd, gateway
    documents/rkpd/...        the RKPD files under RKPD_OUTPUT_DIR, when that folder exists (documents
                              kept in the RKPD database come with its dump)

and a sidecar `<archive>.sha256` (sha256sum format) to keep elsewhere: the manifest proves the
members, the archive's digest proves the manifest.

Modules: `manifest` (pure: checksums, member names, the manifest's shape), `archive` (the tar file),
`postgres` (pg_dump / pg_restore and the target databases), `eplanning_common.cli.backup` (the command).
"""
