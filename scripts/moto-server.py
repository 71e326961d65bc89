"""moto's server (the pinned version in .local/venv), with fixes to its speed.

A queue of a few thousand delayed messages (the decide queue during a burst of waiting calls)
made moto take seconds per batch sent, and the local stack fell minutes behind what SQS does in
milliseconds; and with every function's queue polled, moto's own routing was most of its CPU:

- `Queue.attributes` computes every attribute, the message counts among them, each time it is
  read, and `send_message` reads it for one flag (`ContentBasedDeduplication`): every message
  sent cost a pass over every message the queue holds. Here it is a mapping that computes only
  the attribute asked for, with the same values and names as moto's own.
- `Queue.messages` (the visible ones, read by every receive and every long poll's wake-up) read
  the clock twice per message held. Here it reads it once per call, with the same rule.
- Every request is routed to its service by `backends.list_of_moto_modules()`, which lists
  moto's package folder on disk (a directory read and a `stat` per service, under a lock that
  serialises all requests): nearly half of moto's CPU in a burst. The folder does not change
  while the server runs, so it is listed once.
- The development server answered in HTTP/1.0, so every request opened a connection (and a
  thread) of its own; it speaks HTTP/1.1 here, so the SDKs keep their connections. And it
  wrote an access-log line per request (a tenth of its CPU), which nothing reads: only
  warnings are logged.

Nothing else changes; run it as `python moto-server.py <moto_server's arguments>`.
"""

from collections.abc import Mapping
import json
import logging
import sys

from moto import backends
from moto.core.utils import camelcase_to_underscores, unix_time_millis
from moto.moto_server.werkzeug_app import MotoRequestHandler
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


def visible_messages(queue):
    """`Queue.messages`: not in flight (`visible_at` passed) and not delayed (`delayed_until`
    passed), as `Message.visible` and `Message.delayed` say it, the clock read once."""
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


Queue.attributes = property(LazyQueueAttributes)
Queue.messages = property(visible_messages)

MOTO_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: MOTO_MODULES
MotoRequestHandler.protocol_version = "HTTP/1.1"
logging.getLogger("werkzeug").setLevel(logging.WARNING)

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
