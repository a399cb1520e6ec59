"""Every test process is an eventlet process, like the services: patch before anything connects,
and make psycopg2 cooperative (architecture.md: otherwise each query blocks the whole hub)."""
import eventlet

eventlet.monkey_patch()

from eplanning_common.db import make_cooperative  # noqa: E402

make_cooperative()

import os  # noqa: E402

# every event a service emits during the tests is validated against contracts/asyncapi.yaml
os.environ.setdefault("EPLANNING_CONTRACT_CHECK", "strict")
