"""The server process's garbage collector settings (securebank/gc_tuning.py)."""

from __future__ import annotations

import gc
import weakref

import pytest

from securebank.gc_tuning import freeze_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_young_generation_takes_the_configured_size(settings, collector_restored):
    settings.GC_GEN0_THRESHOLD = 12_345
    gc.set_threshold(700, 10, 10)
    freeze_startup_heap()
    assert gc.get_threshold() == (12_345, 10, 10)


def test_what_is_alive_is_frozen_and_garbage_is_freed_first(collector_restored):
    gc.unfreeze()
    alive = Node()
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    freeze_startup_heap()
    assert gone() is None  # collected before the freeze, not kept for the life of the process
    assert gc.get_freeze_count() > 0
    assert alive not in gc.get_objects()  # frozen objects are outside every generation
