"""Placeholder: being written."""

from newswire.formats.base import Codec


class _Pending(Codec):
    can_parse = False
    can_render = False

    def __init__(self, name: str):
        self.name = name


NINJS3 = _Pending("ninjs")
NINJS2 = _Pending("ninjs2")
