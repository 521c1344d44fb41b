"""Placeholder: being written."""

from newswire.formats.base import Codec


class _Pending(Codec):
    name = "newsml"
    can_parse = False
    can_render = False


CODEC = _Pending()
