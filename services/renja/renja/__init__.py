"""The renja service of E-Planning."""
