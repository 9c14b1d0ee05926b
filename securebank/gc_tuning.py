"""The cyclic garbage collector, tuned for a server process.

Every request leaves its objects in reference cycles (Django's request and DRF's view, request
and serializer fields point at one another; XGBoost builds a class per prediction), so only the
cyclic collector frees them: about 180 objects per transfer. With CPython's default threshold
a young collection ran every 700 allocations, and the full collections walked every object
loaded at startup (Django, DRF, NumPy, XGBoost): 190-530 ms each with the process stopped
(bench/results_transfers.md, "Garbage collection").

Two changes, both common for long-running CPython servers, made once the application is built:
- `gc.freeze()` after one full collection: what the process loaded to serve (the apps, the URL
  configuration and every view it imports) lives as long as the process, and no later
  collection walks it again;
- a young generation of GC_GEN0_THRESHOLD allocations (default 10,000): fewer, larger young
  collections that free the same garbage.
"""

from __future__ import annotations

import gc

from django.conf import settings
from django.urls import get_resolver


def freeze_startup_heap() -> None:
    get_resolver().url_patterns  # noqa: B018 - imports every view now, so that it is frozen too
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(settings.GC_GEN0_THRESHOLD, gen1, gen2)
