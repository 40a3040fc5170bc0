"""One engine, many Python threads: identical results, and real overlap (the GIL is released)."""
import os
import threading
import time

import numpy as np

import segrt
from conftest import UNET


def run_threads(n, fn):
    errors, threads = [], []

    def guarded(k):
        try:
            fn(k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
    for k in range(n):
        threads.append(threading.Thread(target=guarded, args=(k,)))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    return time.perf_counter() - t0


def test_eight_threads_identical(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    xs = [rng.rand(1, 1, 64, 64).astype(np.float32) for _ in range(4)]
    want = [engine.run([x])[0] for x in xs]
    got = [[None] * 12 for _ in range(8)]

    def work(k):
        for i in range(12):
            got[k][i] = engine.run([xs[(k + i) % 4]])[0]
    run_threads(8, work)
    for k in range(8):
        for i in range(12):
            assert np.array_equal(got[k][i], want[(k + i) % 4]), f"thread {k} run {i}"


def test_max_contexts_one_serialises_without_deadlock(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1, max_contexts=1)
    x = rng.rand(1, 1, 32, 32).astype(np.float32)
    (want,) = engine.run([x])
    got = []
    run_threads(4, lambda k: got.extend(engine.run([x])[0] for _ in range(3)))
    assert len(got) == 12 and all(np.array_equal(g, want) for g in got)


def test_runs_in_flight_together():
    """With the GIL released two threads' runs are inside the engine at once, busy machine or not:
    while both threads are working, the time-average number of runs in flight is near 2 (it would
    be near 1 if run() held the GIL). Measured over the window in which both threads are between
    their first and last run, so a thread that starts late on a loaded machine (ctest -j) does
    not count against it."""
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = np.random.RandomState(0).rand(1, 1, 128, 128).astype(np.float32)
    engine.run([x])
    spans = [[], []]

    def work(k):
        for _ in range(12):
            t = time.perf_counter()
            engine.run([x])
            spans[k].append((t, time.perf_counter()))
    run_threads(2, work)
    lo = max(thread[0][0] for thread in spans)
    hi = min(thread[-1][1] for thread in spans)
    assert hi > lo, "the two threads never worked at the same time"
    busy = sum(max(0.0, min(e, hi) - max(s, lo)) for thread in spans for s, e in thread)
    print(f"2 threads: {busy / (hi - lo):.2f} runs in flight on average over {hi - lo:.3f} s")
    assert busy / (hi - lo) > 1.6


def test_threads_never_wait_on_each_other():
    """Sampled thread states (Linux /proc): two threads running the engine are both runnable
    ("R"), never asleep on a lock ("S", as one waiting for a held GIL would be). Holds on a busy
    machine, where the wall-time ratio below cannot show anything."""
    import pytest
    if not os.path.exists("/proc/self/task"):
        pytest.skip("no /proc/self/task on this system")
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = np.random.RandomState(0).rand(1, 1, 128, 128).astype(np.float32)
    run_threads(2, lambda k: engine.run([x]))  # two contexts exist
    tids = []

    def work(k):
        tids.append(threading.get_native_id())
        for _ in range(8):
            engine.run([x])
    both = total = 0
    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    while any(w.is_alive() for w in workers):
        states = []
        for t in list(tids):
            try:
                states.append(open(f"/proc/self/task/{t}/stat").read().rsplit(")", 1)[1].split()[0])
            except OSError:
                pass
        if len(states) == 2:
            total += 1
            both += states == ["R", "R"]
        time.sleep(0.001)
    for w in workers:
        w.join()
    print(f"both threads runnable in {both} of {total} samples")
    assert total >= 20 and both / total > 0.8


def test_two_threads_overlap():
    """threads=1 per run: 2 Python threads must take < 0.6 x the serial time on 2+ cores.

    On a busy shared machine a run can lose its core; the best of five tries counts
    (three measured 0.603-0.733 on a 2-core VM right after a ctest -j 2 run).
    """
    if (os.cpu_count() or 1) < 2:
        import pytest
        pytest.skip("one core: nothing can overlap")
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = np.random.RandomState(0).rand(1, 1, 256, 256).astype(np.float32)
    engine.run([x])
    engine.run([x])  # two contexts exist: neither timing pays for creating one
    runs = 4
    ratios = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(2 * runs):
            engine.run([x])
        serial = time.perf_counter() - t0
        parallel = run_threads(2, lambda k: [engine.run([x]) for _ in range(runs)])
        ratios.append(parallel / serial)
        print(f"2 threads x {runs} runs: serial {serial:.3f} s, threaded {parallel:.3f} s, ratio {ratios[-1]:.3f}")
        if ratios[-1] < 0.6:
            break
    assert min(ratios) < 0.6, f"threaded / serial wall time {ratios} (load {os.getloadavg()})"
