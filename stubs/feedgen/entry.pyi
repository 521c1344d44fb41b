from typing import Any

class FeedEntry:
    def __getattr__(self, name: str) -> Any: ...
