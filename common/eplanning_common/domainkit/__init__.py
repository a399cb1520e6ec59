"""Pure helpers the services' domains share (stdlib only, no framework): money and canonical
JSON digests. Every service must agree on them byte for byte — a stage's close manifest is
checked by RKPD with the same rules — so they live once, here."""
