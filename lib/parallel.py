"""Independent engine calls on the machine's cores: the small networks of these studies keep one core busy with
one thread (a second thread barely helps them), so a chapter with several engine calls trains them in as many
processes as there are cores, one thread each. The workers only fill the model cache; the chapter then loads
every call from it in its usual order, so its results do not depend on the number of workers.

NODEWISE_WORKERS sets the number of processes; without it a run that fixes NODEWISE_THREADS (the test suite, a
background run sharing the machine) uses one, and any other run one per core.
"""

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from lib.train import THREADS_ENV, set_threads

WORKERS_ENV = "NODEWISE_WORKERS"


def workers() -> int:
    """Processes for independent engine calls: $NODEWISE_WORKERS, else 1 when $NODEWISE_THREADS is set, else the
    cores this process may use."""
    if os.environ.get(WORKERS_ENV):
        count = int(os.environ[WORKERS_ENV])
        if count < 1:
            raise ValueError(f"{WORKERS_ENV}: expected a whole number >= 1, got {count}")
        return count
    return 1 if os.environ.get(THREADS_ENV) else len(os.sched_getaffinity(0))


def _one_thread() -> None:
    """Worker start-up: one torch thread, so that the workers share the cores instead of oversubscribing them."""
    os.environ[THREADS_ENV] = "1"
    set_threads(1)


def _call(call: Callable[[], object]) -> None:
    """Run a call for its side effect (the model cache); its return value stays in the worker."""
    call()


def longest_first(costed: Iterable[tuple[float, Callable[[], object]]]) -> list[Callable[[], object]]:
    """The calls of (estimated cost, call) pairs, largest cost first (equal costs keep their order), so that the
    workers finish together."""
    return [call for _, call in sorted(costed, key=lambda pair: pair[0], reverse=True)]


def fill_cache(calls: Sequence[Callable[[], object]], count: int | None = None) -> int:
    """Run every call (a picklable function of no arguments, e.g. a functools.partial of a module-level
    function) in `count` worker processes (default workers()), so that the caller's own calls then load from the
    model cache; with one worker or one call nothing runs here. Returns the number of processes used."""
    count = workers() if count is None else count
    if count <= 1 or len(calls) <= 1:
        return 1
    used = min(count, len(calls))
    with ProcessPoolExecutor(used, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread) as pool:
        list(pool.map(_call, calls))
    return used
