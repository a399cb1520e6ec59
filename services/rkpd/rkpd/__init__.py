"""The rkpd service of E-Planning."""
