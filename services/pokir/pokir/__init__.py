"""The pokir service of E-Planning."""
