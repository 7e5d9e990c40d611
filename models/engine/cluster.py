"""The job engine's connection to Dask: the embedded LocalCluster, or ``LSTMLAB_SCHEDULER`` kept in
contact (noticing that it is gone, connecting again once it is back). Used by the engine thread only;
pages read ``error`` and ``unreachable``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dask
from distributed import Client, LocalCluster
from distributed.scheduler import Scheduler

from models.engine.messages import TOPIC
from models.engine.worker import WarmUp
from models.errors import LabError
from models.settings import Settings

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = "15s"  # to reach LSTMLAB_SCHEDULER
RECONNECT_TIMEOUT = "2s"  # one try (the engine thread waits for it; nothing else runs meanwhile)

# Dask settings of the embedded cluster:
# - allowed-failures 0: a task whose worker died is not re-run; it fails with KilledWorker;
# - work-stealing off: with one run per worker there is nothing to rebalance.
# The order in which runs start is the engine's own (models/engine/run_queue.py), not Dask's.
_LOCAL_DASK_CONFIG: dict[str, Any] = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.work-stealing": False,
}


def unreachable_message(address: str) -> str:
    return (f"The Dask scheduler at {address} cannot be reached: waiting runs start when it is back, "
            "runs that were training there have stopped.")


def _busy_threads(keys: list[str], dask_scheduler: Scheduler) -> tuple[int, int]:
    """(threads of the cluster, tasks it is running or holding): runs on the scheduler. ``keys``
    are the caller's runs handed to Dask: one the scheduler has not received yet (submissions travel
    on another connection than this question) counts as busy too."""
    threads = sum(worker.nthreads for worker in dask_scheduler.workers.values())
    holding = sum(len(worker.processing) for worker in dask_scheduler.workers.values())
    unseen = sum(1 for key in keys if key not in dask_scheduler.tasks)
    return threads, holding + len(dask_scheduler.queued) + len(dask_scheduler.unrunnable) + unseen


class ClusterConnection:
    """The Dask client (``client``) and, when embedded, its cluster.

    ``on_event`` receives every worker event on ``TOPIC`` (on Dask's event loop); ``warm``: import
    TensorFlow on every worker as soon as it starts.
    """

    def __init__(self, settings: Settings, on_event: Callable[[tuple[float, dict[str, Any]]], None], *,
                 warm: bool = True):
        self.settings = settings
        self.client: Client | None = None
        self.error: str | None = None  # plain message when the engine could not start
        self.unreachable: str | None = None  # set while an external scheduler cannot be reached
        self._cluster: LocalCluster | None = None
        self._on_event = on_event
        self._warm = warm

    def start(self) -> None:
        """Start the embedded cluster or connect; a failure becomes ``error``, never an exception."""
        try:
            self._connect(CONNECT_TIMEOUT)
        except Exception as error:
            logger.exception("The job engine could not start")
            where = self.settings.scheduler or "the embedded cluster"
            self.error = (f"Cannot start background training on {where} ({type(error).__name__}); "
                          "check LSTMLAB_SCHEDULER or the server log.")

    def _connect(self, timeout: str) -> None:
        if self.settings.scheduler:
            self.client = Client(  # type: ignore[no-untyped-call]  # distributed: Client() is unannotated
                self.settings.scheduler, timeout=timeout, set_as_default=False)
        else:
            with dask.config.set(_LOCAL_DASK_CONFIG):
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed: unannotated
                    n_workers=self.settings.workers, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None, worker_dashboard_address=None,
                    # The scheduler always serves a small HTTP endpoint: keep it on loopback, random port.
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            self.client = Client(  # type: ignore[no-untyped-call]  # distributed: Client() is unannotated
                self._cluster, set_as_default=False)
        self.client.subscribe_topic(  # type: ignore[no-untyped-call]  # distributed: unannotated
            TOPIC, self._on_event)
        if self._warm:
            self.client.register_plugin(WarmUp(), name=WarmUp.name)

    def connected_client(self) -> Client:
        """The client, for a Dask call; LabError when there is none (the engine could not start, or
        lost its scheduler and has not reached it again)."""
        if self.client is None:
            raise LabError("The job engine has no connection to a Dask scheduler.")
        return self.client

    @property
    def in_contact(self) -> bool:
        return self.client is not None and self.client.status == "running" and not self.unreachable

    def keep_in_contact(self) -> None:
        """External scheduler: notice that it is gone, and connect again once it is back.

        Dask's client retries for a while by itself, then closes. Either way a fresh client is
        started, which subscribes to the runs' events again. Runs in the engine's line wait
        meanwhile; the pages show ``unreachable``. The embedded cluster (no scheduler address) has
        nothing to keep in contact with: the engine thread only calls this with an address."""
        address = self.settings.scheduler
        if address is None:
            return
        status = None if self.client is None else self.client.status
        if status == "running" and not self.unreachable:
            return
        if not self.unreachable:
            logger.warning("Lost contact with the Dask scheduler at %s", address)
            self.unreachable = unreachable_message(address)
        if status == "connecting":  # Dask's own retries are still going on
            return
        if self.client is not None:
            try:
                self.client.close(timeout=1)  # type: ignore[no-untyped-call]  # distributed: unannotated
            except Exception:
                logger.debug("Closing the lost client failed", exc_info=True)
            self.client = None
        try:
            self._connect(RECONNECT_TIMEOUT)
        except Exception as error:
            self.client = None
            logger.info("The Dask scheduler is still unreachable (%s)", type(error).__name__)
            return
        self.error = None  # an engine that could not start at all recovers too
        self.unreachable = None
        logger.warning("Connected to the Dask scheduler at %s again", address)

    def idle_threads(self, keys: list[str]) -> int:
        """Worker threads of the whole cluster with nothing to do, asked of the scheduler itself, so
        several engines (the server, CLI runners) sharing one cluster agree. ``keys``: this engine's
        tasks handed to Dask and not finished."""
        client = self.connected_client()
        threads, busy = client.run_on_scheduler(  # type: ignore[no-untyped-call]  # distributed: unannotated
            _busy_threads, keys)
        return max(0, threads - busy)

    def close(self) -> None:
        for closable in (self.client, self._cluster):
            if closable is not None:
                try:
                    closable.close()
                except Exception:
                    logger.debug("Error while closing %s", closable, exc_info=True)
