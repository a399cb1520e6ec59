"""A complete planning cycle played through the gateway's public /v1 API.

`plan` builds the cycle as data (pure: the same seed and scale give the same plan), `client` speaks
HTTP to the gateway (tokens, retries, idempotent creates, checked updates), `cycle` plays the plan
stage by stage, and `python -m eplanning_demo` (`make demo`) is the command line.
"""
