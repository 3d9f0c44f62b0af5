"""ki.ts is each line's read time (issue 15, item 0): taken at the read that completed the line,
not once per 64 lines, so the consumer's latency figures and /metrics are true. A line cannot
be read before it was appended: each ki.ts is at or after its append."""
import threading
import time

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.kafka_util import consume_all, headers


def test_each_followed_line_carries_its_own_read_time_and_event_id(tmp_path):
    log = tmp_path / "live.log"
    log.write_text("")
    lines = ki.generate_lines("apache_common", 5, seed=5)
    with EmbeddedBroker(topics={"t": 1}) as b:
        p = Producer(b.bootstrap, "t", follow=True)
        result = {}
        th = threading.Thread(target=lambda: result.setdefault("st", p.produce_file(log)), daemon=True)
        th.start()
        appended = []
        try:
            for line in lines:  # one at a time, apart: each is its own read
                time.sleep(0.3)
                appended.append(int(time.time() * 1000))
                with open(log, "a") as f:
                    f.write(line + "\n")
            deadline = time.monotonic() + 30
            while len(consume_all(b.bootstrap, "t", timeout=5)) < len(lines) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            p.stop()
            th.join(timeout=30)
        msgs = sorted(consume_all(b.bootstrap, "t"), key=lambda m: m.offset())
        assert len(msgs) == len(lines)
        ts = [int(headers(m)["ki.ts"]) for m in msgs]
        assert all(t >= a for t, a in zip(ts, appended)), (ts, appended)  # read after its append
        assert ts == sorted(ts)  # (before: one stamp for 64 lines, older than every line after the first)
        ids = [headers(m)["ki.id"] for m in msgs]  # followed: event ids, one file, the lines' offsets
        offsets = [0]
        for line in lines[:-1]:
            offsets.append(offsets[-1] + len(line) + 1)
        assert [int(i.split("-")[1]) for i in ids] == offsets and len({i.split("-")[0] for i in ids}) == 1
