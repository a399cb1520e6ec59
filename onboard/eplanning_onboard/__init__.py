"""Onboarding a pemda (`eplanning-onboard --pemda 32.73 ...`): its region tree from the shipped
Kemendagri codes into every service, its first administrator in the gateway, then its own
registers (OPD, DPRD, kamus usulan) imported through the gateway's /v1 API. Idempotent."""
