"""Metrics of managed clusters: the collector (``collector``), rates from counters (``rates``), the bounded time
series in the platform database (``models``, ``store``), Prometheus exposition (``prometheus``) and the polling
loop (``poller``)."""
