"""moto's server (the pinned version in .local/venv), with one fix to its SQS.

moto's `Queue.attributes` computes every attribute, the message counts among them, each time it
is read, and `send_message` reads it for one flag (`ContentBasedDeduplication`): every message
sent costs a pass over every message the queue holds, with two clock reads each. A queue of a
few thousand delayed messages (the decide queue during a burst of waiting calls) then takes
seconds per batch sent, and the local stack falls minutes behind what SQS does in milliseconds.
Here `attributes` is a mapping that computes only the attribute asked for, with the same values
and names as moto's own. Nothing else changes; run it as `python moto-server.py <moto_server's
arguments>`.
"""

from collections.abc import Mapping
import json
import sys

from moto.core.utils import camelcase_to_underscores
from moto.sqs.models import Queue


class LazyQueueAttributes(Mapping):
    """`Queue.attributes`, computed one attribute at a time."""

    def __init__(self, queue):
        self._queue = queue
        names = list(Queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += Queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += Queue.KMS_ATTRIBUTES
        if queue.policy:
            names.append("Policy")
        if queue.redrive_policy:
            names.append("RedrivePolicy")
        self._names = names

    def __getitem__(self, name):
        if name not in self._names:
            raise KeyError(name)
        if name == "Policy":
            value = self._queue.policy
        elif name == "RedrivePolicy":
            value = json.dumps(self._queue.redrive_policy)
        else:
            value = getattr(self._queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)


Queue.attributes = property(LazyQueueAttributes)

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
