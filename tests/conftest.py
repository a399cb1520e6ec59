"""Every test process is an eventlet process, like the services: patch before anything connects,
and make psycopg2 cooperative (architecture.md: otherwise each query blocks the whole hub)."""
import eventlet

eventlet.monkey_patch()

from eplanning_common.db import make_cooperative  # noqa: E402

make_cooperative()

import os  # noqa: E402

# every event a service emits during the tests is validated against contracts/asyncapi.yaml
os.environ.setdefault("EPLANNING_CONTRACT_CHECK", "strict")

# this run's own RPC identity keys (gateway.key, rkpd.key and their .pub): every in-process service,
# signing helper and subprocess (gunicorn, nameko run) started by the tests inherits the folder
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

from eplanning_common.identity_tokens import generate_keys  # noqa: E402

_KEYS_DIR = tempfile.mkdtemp(prefix="eplanning-test-keys-")
atexit.register(shutil.rmtree, _KEYS_DIR, True)
os.environ["RPC_IDENTITY_KEYS_DIR"] = _KEYS_DIR
generate_keys(_KEYS_DIR)
