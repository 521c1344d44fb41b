"""The subscribers' portal: a subscriber's people, logged in, read their wire.

At ``/portal`` (``routes``): the wire, live (``live``: ``/portal/stream`` and the saved
searches it notifies), search, saved topics; ``items``: an item as entitled, its versions,
a diff, downloads; ``files``: the files of picture and video items (thumbnails,
a story's gallery, each rendition the subscriber may have); ``accounts``: a subscriber's accounts, for its portal admins. Also
``/login`` and ``/logout`` (``login``), which the console uses too. ``pages``: how a
portal page is made (templates, ``words`` in Arabic and English, error pages); the
sessions behind it are ``newswire.web.sessions``, shared with the console.

Templates: ``portal/templates/portal_*.html``; static files: ``portal/static/``
(``portal.css``, ``portal.js``, served at ``/static/``).
"""
