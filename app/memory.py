"""A small in-process memory of things that are costly to make and fully named by their key (each web process
keeps its own; a changed input gives a new key, and old keys fall out as the memory fills up)."""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


_memories: weakref.WeakSet[Memory] = weakref.WeakSet()


class Memory:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        _memories.add(self)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value remembered for ``key``, made by ``make()`` (outside the lock) the first time."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def forget_everything() -> None:
    """Empty every memory (tests start each app on emptied tables, where ids and times repeat)."""
    for memory in list(_memories):
        memory.clear()
