"""The Ray engine: a ranking's candidates as Ray tasks, fine-tunes and race rungs as Tune trials.

Only this module and ``ray_tune`` import ray (an import-linter contract checks it), and only
when ``engine="ray"`` is asked for. The driver (this process) sends the shared inputs (the
data, the probe plan) to the object store once, submits one task per unit with its resource
request, relays the workers' progress events through a Ray queue as they happen, and cancels
what is still outstanding when the caller's cancel flag is set. A worker that dies (a node
lost, a process killed) is retried ``max_retries`` times; the units are deterministic for
their seeds, so a retry gives the same result. See docs/scale.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.util.queue import Queue

from advisor.engines.base import RungResult, TrialFn, WorkFn
from advisor.engines.ray_relay import Sender, await_events, drain
from advisor.errors import AdvisorError, Cancelled

WORKER_NICENESS = "RAY_worker_niceness"  # read by the Ray processes a local ray.init starts
POLL_S = 0.2  # how often the driver looks at the cancel flag and the relayed events
# A task whose worker died every time it was retried: killed, its node lost, out of memory.
LOST = (
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.NodeDiedError,
    ray.exceptions.OutOfMemoryError,
)


class RayEngine:
    """Runs work units on a Ray cluster: ``address`` (or $RAY_ADDRESS), else a local Ray.

    ``num_cpus``: CPUs of a local Ray this engine starts (default: all). ``cpus_per_task``:
    CPU threads per task (the default 1 keeps one torch thread per worker).
    ``gpus_per_task``: None = 1 when the cluster has GPUs, else 0. ``shared_cache``: whether
    the feature cache path is the same folder on every node (None = only on one machine);
    when it is not, features come back through the object store and the driver caches them.
    ``max_retries``: re-runs of a task whose worker died; ``max_failures``: restarts of a Tune
    trial, which resumes from its checkpoint. ``storage_path``: Tune's results and checkpoint
    folder (a path every node can reach on a multi-node cluster; default: a temp folder).
    """

    name = "ray"

    def __init__(
        self,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        cpus_per_task: float = 1,
        gpus_per_task: float | None = None,
        shared_cache: bool | None = None,
        max_retries: int = 3,
        max_failures: int = 2,
        storage_path: str | os.PathLike | None = None,
    ):
        if cpus_per_task <= 0:
            raise AdvisorError(f"cpus_per_task must be > 0 (got {cpus_per_task!r}); pass 1")
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task
        self.gpus_per_task = gpus_per_task
        self.shared_cache = shared_cache
        self.max_retries = max_retries
        self.max_failures = max_failures
        self.storage_path = storage_path
        self._relay: Queue | None = None
        self._relay_session: tuple | None = None

    def __repr__(self) -> str:
        return f"RayEngine(address={self.address!r}, cpus_per_task={self.cpus_per_task})"

    # --- the cluster ---------------------------------------------------------------------

    def connect(self) -> None:
        """Join the running Ray of this process, the cluster at ``address``, or start one."""
        if ray.is_initialized():
            return
        options: dict[str, Any] = {"logging_level": logging.WARNING, "include_dashboard": False}
        if self.address:
            options["address"] = self.address
        else:
            options["num_cpus"] = self.num_cpus or os.cpu_count() or 1
            # Ray starts workers at niceness 15: on a busy machine they starve behind any
            # other job, while the local engine runs at normal priority. Same priority here.
            os.environ.setdefault(WORKER_NICENESS, "0")
        try:
            ray.init(**options)
        except ConnectionError as exc:
            raise AdvisorError(
                f"cannot reach the Ray cluster at {self.address!r} ({exc}); check --ray-address "
                "/ RAY_ADDRESS, or leave both unset to start a local Ray"
            ) from exc

    def resources(self) -> dict[str, float]:
        """One task's request: ``cpus_per_task`` CPUs, and one GPU when the cluster has any."""
        self.connect()
        gpus = self.gpus_per_task
        if gpus is None:
            gpus = 1 if ray.cluster_resources().get("GPU", 0) > 0 else 0
        return {"num_cpus": self.cpus_per_task, "num_gpus": gpus}

    def warm_up(self) -> float:
        """Start one worker per task slot and import torch, timm and the extractor there, so
        the first candidates do not pay it (seconds a worker; a one-off per driver). Returns
        the seconds it took."""
        import time

        tick = time.perf_counter()
        resources = self.resources()
        self.relay()  # its actor's worker starts now, not beside the first candidates
        slots = max(1, int(ray.cluster_resources().get("CPU", 1) // self.cpus_per_task))
        if resources["num_gpus"]:
            slots = min(slots, int(ray.cluster_resources().get("GPU", 1) // resources["num_gpus"]))
        warm = ray.remote(_import_stack).options(**resources)
        ray.get([warm.remote() for _ in range(slots)])
        return time.perf_counter() - tick

    def relay(self) -> Queue:
        """The queue that carries the workers' progress events to the driver: one per engine
        and Ray session. It is an actor, and creating one starts a worker process; a fresh
        queue per ranking made Ray start fresh task workers too, each paying torch's, timm's
        and scikit-learn's imports again (about 2 s a candidate on this machine)."""
        self.connect()
        context = ray.get_runtime_context()
        session = (context.get_job_id(), context.get_node_id())
        if self._relay is None or self._relay_session != session:
            self._relay = Queue(actor_options={"num_cpus": 0})
            self._relay_session = session
        return self._relay

    @property
    def shares_files(self) -> bool:
        """Whether a path named here is the same file on every worker (a one-machine Ray)."""
        if self.shared_cache is not None:
            return self.shared_cache
        self.connect()
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        here = ray.util.get_node_ip_address()
        return len(nodes) == 1 and nodes[0].get("NodeManagerAddress") == here

    # --- work units ----------------------------------------------------------------------

    def score(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
        lost: Callable[[Any, str], Any] | None = None,
    ) -> list[Any]:
        """One Ray task per unit; results in the units' order. ``lost(unit, reason)`` stands
        in for a unit whose worker died on every retry (else that error is raised)."""
        if not units:
            return []
        resources = self.resources()
        emit = progress or (lambda event: None)
        relay = self.relay()
        task = ray.remote(_run_unit).options(
            max_retries=self.max_retries, retry_exceptions=False, **resources
        )
        shared = ray.put(common)  # sent once; every task reads the same object
        refs = [task.remote(fn, shared, unit, relay, i) for i, unit in enumerate(units)]
        where = {ref: i for i, ref in enumerate(refs)}
        results: list[Any] = [None] * len(refs)
        pending, seen = list(refs), {}
        try:
            while pending:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("cancelled: the outstanding Ray tasks were cancelled")
                ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
                drain(relay, emit, seen)
                for ref in ready:
                    i = where[ref]
                    done = _result(ref, units[i], lost)
                    if isinstance(done, _Done):  # its events first, then its result
                        await_events(relay, emit, seen, i, done.events)
                        done = done.value
                    results[i] = done
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
            drain(relay, emit, seen)
        return results

    def trials(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[Any]:
        """One Ray Tune trial per unit (fine-tunes, race trials): restarts, checkpoints."""
        from advisor.engines.ray_tune import run_trials

        return run_trials(self, fn, units, common=common, cancel=cancel, progress=progress)

    def race(
        self,
        plan,
        trial: TrialFn,
        *,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[RungResult]:
        """Synchronous successive halving, each rung's trials as Tune trials."""
        from advisor.engines.halving import successive_halving

        return successive_halving(self, plan, trial, cancel=cancel, progress=progress)


def _import_stack() -> None:
    """What every candidate's task imports first (a worker keeps it for the next task)."""
    import time

    import sklearn.decomposition  # noqa: F401  (the probes import these lazily)
    import sklearn.linear_model  # noqa: F401
    import sklearn.mixture  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import timm  # noqa: F401
    import torch

    import advisor.features.extraction  # noqa: F401
    import advisor.ranking.scoring  # noqa: F401

    # One tiny convolution: a new process's first forward pass pages in and sets up the CPU
    # kernels, which cost the first candidate on each worker about a second of wall time.
    torch.nn.functional.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(4, 3, 3, 3))
    time.sleep(0.5)  # hold the slot, so each warm-up task gets a worker of its own


@dataclass
class _Done:
    value: Any
    events: int  # how many progress events the task sent


def _run_unit(fn: WorkFn, common: Any, unit: Any, relay: Queue, index: int) -> _Done:
    """The body of a Ray task: the unit's function, its events sent to the driver's queue
    (tagged with ``index``; the driver waits for them, the task does not: ray_relay.Sender)."""
    with Sender(relay, index) as send:
        value = fn(common, unit, send, None)
    return _Done(value, send.count)


def _result(ref, unit, lost):
    """The task's value; its own exception as itself (AdvisorError stays a user error)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, BaseException):
            raise cause from exc  # the remote traceback is in exc's text
        raise
    except LOST as exc:
        if lost is None:
            raise
        return lost(unit, f"its Ray worker died on every retry ({type(exc).__name__})")
