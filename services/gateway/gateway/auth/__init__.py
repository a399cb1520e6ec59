"""Authentication of the gateway: users, argon2id passwords, JWT access tokens, rotating refresh
tokens, login rate limits and the admin API. See services/gateway/README.md for the design."""
