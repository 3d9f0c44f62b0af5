"""The fault matrix (issue 6): scenarios that inject faults into Kafka (the real three-node
cluster, the embedded mock cluster) and Elasticsearch (the ES-8-compatible test server) while
our producer and consumer run as separate processes, then compare what was sent with what
arrived, document by document (by ``_id`` and content).

    python -m tests.chaos                 # the full matrix, writes docs/RELIABILITY.md
    python -m tests.chaos --quick         # the reduced matrix CI runs (tests/test_chaos.py)
    python -m tests.chaos --only es_      # scenarios whose name starts with es_

One concern per file: ``measure`` (processes, peak RSS, progress sampling), ``reconcile``
(sent vs arrived), ``scenarios`` (the faults), ``report`` (the generated Markdown),
``worker`` (the consumer process the scenarios start).
"""
