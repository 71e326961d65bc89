"""schemathesis hooks for tests/api_fuzz.rs (loaded through tests/fuzz/schemathesis.toml).

A client sends a fresh Idempotency-Key with each change (docs/api.md, Retries from clients).
The generator, left alone, draws the same few short keys ("0", "00", ...) again and again, so
most requests would stop at the key check (422 idempotency_key_reused, which is checked before
the body) and never reach the action itself. A request whose key is well-formed therefore gets
a fresh one, as a real client's would; malformed keys are sent as generated, to be refused.
"""

import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
WELL_FORMED = re.compile(r"[ -~]{1,128}")


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.headers or {}).get(HEADER)
    if isinstance(key, str) and WELL_FORMED.fullmatch(key.strip()):
        case.headers[HEADER] = str(uuid.uuid4())
