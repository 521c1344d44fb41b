"""Placeholder: being written."""

from newswire.formats.base import Codec


class _Pending(Codec):
    name = "nitf"
    can_parse = False
    can_render = False


CODEC = _Pending()
