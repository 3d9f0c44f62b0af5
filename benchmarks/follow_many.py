"""Following many files (docs/PRODUCE.md "Following many files"): N files of L lines created after
the producer started following their glob; how long until every line is acknowledged, and the
CPU of the idle process with N files followed, then 100,000 lines appended to one of them. The
embedded broker runs in the same process.

Usage: python benchmarks/follow_many.py [N] [L]   (default 1000 100)
"""
import os
import resource
import sys
import tempfile
import threading
import time

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(n: int, lines_per_file: int) -> None:
    body = "\n".join(ki.generate_lines("apache_common", lines_per_file, seed=1)) + "\n"
    total = n * lines_per_file
    with tempfile.TemporaryDirectory() as d, EmbeddedBroker(topics={"t": 4, "t.dlq": 1}) as b:
        p = Producer(b.bootstrap, "t", follow=True, max_open_files=n + 10)
        stats: dict = {}
        th = threading.Thread(target=lambda: p.produce_file(os.path.join(d, "*.log"), on_stats=stats.update),
                              daemon=True)
        th.start()
        time.sleep(1)
        c0, t0 = cpu(), time.monotonic()
        for i in range(n):
            with open(os.path.join(d, f"f{i:05d}.log"), "w") as f:
                f.write(body)
        while stats.get("produced", 0) < total:
            time.sleep(0.05)
        t1, c1 = time.monotonic(), cpu()
        print(f"{n} files x {lines_per_file} lines created after the start: all {total} acknowledged in "
              f"{t1 - t0:.2f}s ({total / (t1 - t0):,.0f} lines/s), CPU {c1 - c0:.2f}s; "
              f"files_followed={stats.get('files_followed')}")
        with open("/proc/self/status") as f:
            rss = next(int(x.split()[1]) // 1024 for x in f if x.startswith("VmRSS:"))
        print(f"resident memory with {n} files followed: {rss} MiB (the whole process)")
        c0 = cpu()
        time.sleep(10)
        print(f"idle, {n} files followed: CPU {100 * (cpu() - c0) / 10:.1f}% of a core over 10 s")
        # One busy file among the others: 100,000 lines appended to one of them at once.
        big = "\n".join(ki.generate_lines("apache_common", 100_000, seed=2)) + "\n"
        c0, t0 = cpu(), time.monotonic()
        with open(os.path.join(d, "f00000.log"), "a") as f:
            f.write(big)
        while stats.get("produced", 0) < total + 100_000:
            time.sleep(0.05)
        t1 = time.monotonic()
        print(f"100000 lines appended to one of {n} followed files: acknowledged in {t1 - t0:.2f}s "
              f"({100_000 / (t1 - t0):,.0f} lines/s), CPU {cpu() - c0:.2f}s")
        p.stop()
        th.join()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3])) if len(sys.argv) > 2 else main(1000, 100)
