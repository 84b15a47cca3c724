"""Verify correspondences in worker processes, each bounded in time.

``physml verify --jobs N --timeout S`` needs two things ``concurrent.futures`` cannot give: a
worker that hangs must be killed without stopping the others, and a worker that crashes (a
segfault in an extension, ``os._exit``) must cost only the correspondence it was verifying (a
crash breaks a whole ``ProcessPoolExecutor``). So each worker is a spawned process with a pipe:
it loads the registry once, then verifies the ids it is sent one at a time. A worker that dies or
overruns is replaced, and its correspondence is reported as an error with the reason.

With ``scheduler`` (a Dask distributed address) the same tasks go to that cluster instead
(``pip install 'physml[distributed]'``); there ``timeout`` counts from submission, and a task
over it is reported as an error and cancelled.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["verify_by_id", "verify_in_workers", "verify_on_cluster"]


def verify_by_id(cid: str, options: dict[str, Any]) -> Any:
    """Verify one correspondence of the installed registry (the unit of work everywhere)."""
    from physml.verifier import verify

    return verify(_registry().get(cid), **options)


def _registry() -> Any:
    import warnings

    from physml.registry import get_registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent process has warned already
        return get_registry()


def _worker(connection: Any, options: dict[str, Any]) -> None:
    """Worker loop: verify each id received until ``None`` arrives."""
    _registry()  # load once, before the first deadline starts
    while True:
        cid = connection.recv()
        if cid is None:
            return
        try:
            connection.send(("ok", verify_by_id(cid, options)))
        except Exception as error:
            connection.send(("error", f"{type(error).__name__}: {error}"))


def _error_report(cid: str, message: str) -> Any:
    from physml.verifier import CorrespondenceReport, IdentityReport

    failure = IdentityReport("worker", "exact", "error", message=message)
    return CorrespondenceReport(cid, "error", 0.0, [failure])


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"the worker was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the worker was killed by signal {-code}"
    return f"the worker exited with status {code} before reporting"


class _Worker:
    def __init__(self, context: Any, options: dict[str, Any]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, options), daemon=True)
        self.process.start()
        child.close()
        self.task: str | None = None
        self.deadline = math.inf

    def give(self, cid: str, timeout: float | None) -> None:
        self.connection.send(cid)
        self.task = cid
        self.deadline = time.monotonic() + timeout if timeout else math.inf

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def verify_in_workers(
    ids: list[str],
    options: dict[str, Any],
    jobs: int,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Any]:
    """Reports for ``ids`` in their order, verified by up to ``jobs`` worker processes."""
    import multiprocessing
    from multiprocessing.connection import wait

    # "spawn": a fresh interpreter per worker, never a fork of a process holding BLAS threads.
    context = multiprocessing.get_context("spawn")
    pending = deque(ids)
    results: dict[str, Any] = {}
    idle = [_Worker(context, options) for _ in range(min(jobs, len(ids)))]
    busy: list[_Worker] = []

    def finish(worker: _Worker, report: Any) -> None:
        assert worker.task is not None
        results[worker.task] = report
        if progress:
            progress(f"{worker.task}: done")
        worker.task = None
        busy.remove(worker)

    try:
        while pending or busy:
            while idle and pending:
                worker = idle.pop()
                worker.give(pending.popleft(), timeout)
                busy.append(worker)
            nearest = min(w.deadline for w in busy)
            wait_for = None if nearest == math.inf else max(0.0, nearest - time.monotonic())
            wait([w.connection for w in busy] + [w.process.sentinel for w in busy], wait_for)
            for worker in list(busy):
                cid = worker.task
                assert cid is not None
                if worker.connection.poll():
                    try:
                        kind, payload = worker.connection.recv()
                    except (EOFError, OSError):
                        kind, payload = "crashed", None
                    if kind != "crashed":
                        report = payload if kind == "ok" else _error_report(cid, payload)
                        finish(worker, report)
                        idle.append(worker)
                        continue
                if not worker.process.is_alive():
                    worker.process.join()
                    reason = _exit_reason(worker.process.exitcode)
                    finish(worker, _error_report(cid, f"crashed: {reason}"))
                elif time.monotonic() >= worker.deadline:
                    finish(worker, _error_report(cid, f"timed out after {timeout:g} s"))
                else:
                    continue
                worker.stop()
                if pending:
                    idle.append(_Worker(context, options))
    finally:
        for worker in idle + busy:
            if worker.process.is_alive() and worker.task is None:
                with contextlib.suppress(OSError):  # it may have just exited
                    worker.connection.send(None)
            worker.process.join(timeout=5)
            worker.stop()
    return [results[cid] for cid in ids]


def verify_on_cluster(
    ids: list[str],
    options: dict[str, Any],
    scheduler: str,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Any]:
    """Reports for ``ids``, verified as tasks on the Dask distributed cluster at ``scheduler``."""
    try:
        from distributed import Client
        from distributed import TimeoutError as DaskTimeout
    except ImportError:
        raise ImportError(
            "--scheduler needs Dask distributed: pip install 'physml[distributed]'"
        ) from None
    from distributed import as_completed

    results: dict[str, Any] = {}
    with Client(scheduler) as client:
        futures = {
            client.submit(verify_by_id, cid, options, key=f"physml-verify-{cid}", pure=False): cid
            for cid in ids
        }
        deadline = time.monotonic() + timeout if timeout else None
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            for future in as_completed(futures, timeout=remaining):
                cid = futures[future]
                try:
                    results[cid] = future.result()
                except Exception as error:  # the task raised on the cluster
                    results[cid] = _error_report(cid, f"{type(error).__name__}: {error}")
                if progress:
                    progress(f"{cid}: done")
        except (TimeoutError, DaskTimeout):
            pass
        for future, cid in futures.items():
            if cid not in results:
                future.cancel()
                results[cid] = _error_report(cid, f"timed out after {timeout:g} s")
    return [results[cid] for cid in ids]
