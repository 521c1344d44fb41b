"""The public site: what anyone may read, without logging in.

At the root, no prefix: home pages per language (``/ar/``), a section per subject
(``/{lang}/subjects/{topic}``), item pages (``/{lang}/news/{id}``), ``/{lang}/subscribe``,
feeds (``/feeds/{lang}.rss``, per subject too), ``/sitemap-news.xml``, ``/robots.txt``,
and a page for any other path's 404. It only
ever shows teasers, never the full text (that is what subscribers receive).

``routes`` is its route table; ``site`` what it keeps per application (settings, caches,
the compiled templates), ``pages`` and ``syndication`` what it renders (HTML pages; feeds
and sitemaps), ``visible`` what the public may see, ``memo`` and ``cache`` how answers are
remembered and validated. Templates: ``public/templates/public_*.html``; static files:
``public/static/`` (served at ``/static/``).
"""
