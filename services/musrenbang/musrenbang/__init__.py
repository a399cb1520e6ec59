"""Musrenbang service: community proposals (usulan)."""
