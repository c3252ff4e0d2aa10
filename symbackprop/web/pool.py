"""A bounded pool of worker processes whose stuck work can be killed.

Each worker runs one job at a time (``jobs.JOBS``), talking over a pipe. A request takes
an idle worker from the queue, sends the job and waits at most its time limit; when the
limit passes, the worker is killed and a fresh one takes its place, so a claim that never
ends costs one worker for at most the limit. Workers are forked from a forkserver that
has the package imported, so a replacement is ready in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import traceback

from .limits import QUEUE_MAX, QUEUE_SECONDS, STARTUP_SECONDS, WORKER_BYTES, WORKER_JOBS


class TimeUp(Exception):
    """The work went past its time limit; its worker was replaced."""


class Busy(Exception):
    """Too many requests are waiting for a worker."""


class Crashed(Exception):
    """The worker died while working (out of memory, killed); it was replaced."""


def _serve(conn, warm_spec) -> None:
    from . import jobs

    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_BYTES, WORKER_BYTES))
    except (ImportError, ValueError, OSError):  # not on this system: the time limit still holds
        pass
    jobs.warm(warm_spec)
    conn.send(("ready", None))
    while True:
        try:
            name, payload = conn.recv()
        except (EOFError, OSError):
            return
        try:
            out = ("ok", jobs.JOBS[name](payload))
        except jobs.JobError as e:
            out = ("error", (e.status, e.message))
        except RecursionError:
            out = ("error", (422, "the input is nested too deeply"))
        except MemoryError:
            out = ("error", (422, "the input needs too much memory"))
        except Exception:  # a bug: logged here, never shown to the client
            traceback.print_exc(file=sys.stderr)
            out = ("error", (500, "internal error while doing the work"))
        conn.send(out)


class Worker:
    def __init__(self, ctx, warm_spec):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, warm_spec), daemon=True)
        self.proc.start()
        child.close()
        # ready: imports done, the default network's table built
        if not self.conn.poll(STARTUP_SECONDS) or self.conn.recv()[0] != "ready":
            self.stop()
            raise RuntimeError("a worker process did not start")
        self.jobs = 0

    def call(self, name: str, payload, seconds: float):
        """Blocking: the job's result, or TimeUp / Crashed."""
        self.jobs += 1
        try:
            self.conn.send((name, payload))
            if not self.conn.poll(seconds):
                raise TimeUp()
            return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            raise Crashed() from None

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class Pool:
    def __init__(self, size: int, warm_spec=None):
        self.size = max(1, size)
        self.warm_spec = warm_spec
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(["symbackprop.web.jobs"])
        self.idle: asyncio.Queue | None = None
        self.workers: set[Worker] = set()
        self.waiting = 0

    async def start(self) -> None:
        self.idle = asyncio.Queue()
        for _ in range(self.size):
            w = await asyncio.to_thread(Worker, self.ctx, self.warm_spec)
            self.workers.add(w)
            self.idle.put_nowait(w)

    def pids(self) -> set[int]:
        return {w.proc.pid for w in self.workers}

    async def close(self) -> None:
        for w in list(self.workers):
            await asyncio.to_thread(w.stop)
        self.workers.clear()

    async def run(self, name: str, payload, seconds: float):
        """("ok", value) or ("error", (status, message)); raises TimeUp, Busy, Crashed."""
        if self.waiting >= QUEUE_MAX:
            raise Busy()
        self.waiting += 1
        try:
            worker = await asyncio.wait_for(self.idle.get(), QUEUE_SECONDS)
        except asyncio.TimeoutError:
            raise Busy() from None
        finally:
            self.waiting -= 1
        # shielded: a client that goes away does not give back a worker still at work
        return await asyncio.shield(asyncio.ensure_future(self._use(worker, name, payload, seconds)))

    async def _use(self, worker: Worker, name, payload, seconds):
        try:
            return await asyncio.to_thread(worker.call, name, payload, seconds)
        except (TimeUp, Crashed):
            worker.jobs = WORKER_JOBS  # replaced below
            raise
        finally:
            if worker.jobs >= WORKER_JOBS:
                worker = await self._replace(worker)
            self.idle.put_nowait(worker)

    async def _replace(self, old: Worker) -> Worker:
        await asyncio.to_thread(old.stop)
        self.workers.discard(old)
        new = await asyncio.to_thread(Worker, self.ctx, self.warm_spec)
        self.workers.add(new)
        return new
