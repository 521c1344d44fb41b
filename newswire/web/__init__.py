"""The web: server-rendered HTML pages around the news flow.

The public site (no login: teaser pages, feeds, sitemap) is ``public`` (its route table),
with ``pages``, ``syndication``, ``urls``, ``visible``, ``cache``, ``memo``, ``site`` and
``i18n``; ``static.PublicStatic`` serves ``static/`` at ``/static``. The public site only
ever shows teasers, never the full text (that is what subscribers receive).
"""
