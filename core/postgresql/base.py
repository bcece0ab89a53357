"""Django's PostgreSQL backend with its psycopg pool, failing fast while the server is down.

Three changes to how a connection is obtained from the pool, so that a stopped, frozen or
restarting PostgreSQL costs each request at most a short wait and an "unavailable" page
(core.middleware.DatabaseUnavailableMiddleware), never a hang:

* The pool waits ``OPTIONS["pool"]["timeout"]`` (DATABASE_POOL_TIMEOUT) for a connection
  when PostgreSQL answered last time. Once it did not, the process knows it is down and
  waits only ``OUTAGE_WAIT`` for a connection that is already there or arrives in the
  meantime: the pool keeps reconnecting in the background, so the first connection it
  opens once the server is back ends the outage. No timer: nothing waits for recovery.
  Within one request, a second try after a failure does not wait at all (the 500 page
  DEBUG shows, for one, looks at the session and the user again).
* With CONN_HEALTH_CHECKS, the connection handed out is checked first (one empty query).
  When one fails the check, the server has gone away since it was opened, and so have the
  other idle ones: all are checked at once and the broken ones replaced, instead of one at
  a time with a second's pause from the second on (psycopg_pool's own policy).
* The wait is given up early (after OUTAGE_WAIT) once the pool has failed to connect
  meanwhile: a refused connection means the server is down (stopping, restarting), so a
  request caught by a stop does not also wait the whole timeout.
* The first failure and the recovery are logged once each, not once per request.
"""

from __future__ import annotations

import logging
import time

from django.db.backends.postgresql import base
from psycopg import IsolationLevel
from psycopg_pool import ConnectionPool, PoolTimeout

logger = logging.getLogger(__name__)

# Seconds a request waits for a pooled connection while PostgreSQL is known to be down.
OUTAGE_WAIT = 0.25


def check_connection(connection) -> None:
    """The pool's check; on failure, the pool's other idle connections are checked too."""
    try:
        ConnectionPool.check_connection(connection)
    except Exception:
        pool = getattr(connection, "_pool", None)
        if pool is not None:
            pool.check()
        raise


class DatabaseWrapper(base.DatabaseWrapper):
    # Per process, for every thread's connection: time.monotonic() when the pool last
    # failed to give a connection, 0.0 while PostgreSQL answers.
    _unreachable_since = 0.0

    # Per connection (so per thread): a connection failed during the current request.
    _failed_this_request = False

    @classmethod
    def is_unreachable(cls) -> bool:
        return bool(cls._unreachable_since)

    @property
    def pool(self):
        options = self.settings_dict["OPTIONS"].get("pool")
        if (
            options
            and self.settings_dict["CONN_HEALTH_CHECKS"]
            and self.alias not in self._connection_pools
        ):
            self.settings_dict["OPTIONS"]["pool"] = {
                "check": check_connection,
                **(options if isinstance(options, dict) else {}),
            }
        return super().pool

    def get_new_connection(self, conn_params):
        pool = self.pool
        if pool is None:
            return super().get_new_connection(conn_params)
        cls = type(self)
        # As Django's backend does, with a wait of our choosing.
        pool.open()
        if self._failed_this_request:
            wait = 0.001  # an idle connection if there is one, no waiting for a new one
        elif cls._unreachable_since:
            wait = min(OUTAGE_WAIT, pool.timeout)
        else:
            wait = pool.timeout
        try:
            connection = self._getconn(pool, wait)
        except PoolTimeout as exc:
            self._failed_this_request = True
            if not cls._unreachable_since:
                logger.warning(
                    "PostgreSQL unreachable (%s); pages answer 503 until it is back", exc
                )
                cls._unreachable_since = time.monotonic()
            raise
        if cls._unreachable_since:
            logger.warning(
                "PostgreSQL reachable again after %.1f s",
                time.monotonic() - cls._unreachable_since,
            )
            cls._unreachable_since = 0.0
        self._failed_this_request = False
        isolation_level = self.settings_dict["OPTIONS"].get("isolation_level")
        if isolation_level is None:
            self.isolation_level = IsolationLevel.READ_COMMITTED
        else:
            self.isolation_level = IsolationLevel(isolation_level)
            connection.isolation_level = self.isolation_level
        return connection

    @staticmethod
    def _getconn(pool, wait: float):
        """pool.getconn(timeout=wait), in slices of OUTAGE_WAIT, given up after a slice in
        which the pool failed to connect (a refused connection: the server is down, waiting
        longer gains nothing). A server that does not answer at all costs the whole wait."""
        errors = pool.get_stats().get("connections_errors", 0)
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            try:
                return pool.getconn(timeout=max(min(OUTAGE_WAIT, remaining), 0.001))
            except PoolTimeout:
                failed = pool.get_stats().get("connections_errors", 0) > errors
                if failed or time.monotonic() >= deadline:
                    raise

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and ends (django.db.close_old_connections).
        self._failed_this_request = False
        super().close_if_unusable_or_obsolete()
