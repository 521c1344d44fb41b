"""The subscribers' portal: a subscriber's people, logged in, read their wire.

At ``/portal`` (``routes``): the wire, live (``live``: ``/portal/stream`` and the saved
searches it notifies), search, saved topics; ``items``: an item as entitled, its versions,
a diff, downloads; ``accounts``: a subscriber's accounts, for its portal admins; ``words``:
the interface in Arabic and English. Logins are ``newswire.web.sessions``'.

Templates: ``portal/templates/portal_*.html``; static files: ``portal/static/``
(``portal.css``, ``portal.js``, served at ``/static/``).
"""
