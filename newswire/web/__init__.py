"""The web: server-rendered HTML pages around the news flow, in three faces.

Each face is a package of its own, with its routes, its templates
(``<face>/templates/<face>_*.html``) and its static files (``<face>/static/``):

- ``public``: the public site, no login, at the root (``/ar/``, ``/{lang}/news/{id}``,
  subject sections, feeds, the sitemap). It only ever shows teasers, never the full text (that is what
  subscribers receive);
- ``portal``: the subscribers' portal, at ``/portal``, and the login pages (``/login``,
  ``/logout``) that the console uses too;
- ``console``: the editors' console, at ``/console``.

What two or more faces use is here:

- ``sessions``: logins behind the portal and the console (session cookie, CSRF tokens,
  the pages' headers and languages, error pages by route class);
- ``urls``: the public site's URL scheme, which the portal, the console and the API
  link to (``request_base``, ``item_path``);
- ``i18n``: languages, their names and directions, dates in each interface language;
- ``words``: the public site's interface words, per language (the catalogue to translate);
- ``static``: ``/static``, one URL space for the three faces' static files, and the
  versioned URL a page links to (``asset``).

A face imports no other face, and nothing here imports a face (``tests/test_layers.py``):
what a face needs of another's goes here. ``newswire.api.app`` mounts the three.
"""
