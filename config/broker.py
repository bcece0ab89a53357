"""Kombu's Redis transport, made to survive Redis dying while a task is in flight.

With ``task_acks_late``, a worker holds unacknowledged messages while their tasks run.
When Redis goes away while the worker is also waiting for more (BRPOP), kombu 5.7 closes
the broken connection in two passes: the first one fails on the dead socket half-way and
drops the connection's parameters, the second one then tries to put the unacknowledged
messages back through a new Redis client built from those parameters, and dies with
``AttributeError: 'NoneType' object has no attribute 'hostname'``. Celery treats that as
an unrecoverable error and the worker exits: it does not reconnect when Redis is back.
The acknowledgement of the task still running hits the same error.

Here a channel whose connection is already closed answers those calls with a connection
error, which kombu and Celery expect and handle: the messages are not put back (Redis is
unreachable anyway), the late acknowledgement is logged as failed, and the worker
reconnects as soon as Redis answers. A message left unacknowledged is delivered again
after the visibility timeout if Redis kept it; every task here is safe to run twice.
``tests/test_redis_outage_drill.py`` kills Redis under a real worker to prove it.

``install()`` (called from ``config/celery.py``) makes ``redis://``, ``rediss://`` and
``redis+socket://`` URLs use this transport.
"""

from __future__ import annotations

from kombu import transport as kombu_transports
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


NAME = f"{__name__}:Transport"


def install() -> None:
    for alias in ("redis", "rediss"):
        kombu_transports.TRANSPORT_ALIASES[alias] = NAME
        kombu_transports._transport_cache.pop(alias, None)
