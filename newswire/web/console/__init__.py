"""The editors' console: the agency's editors write, preview, publish, update, correct and
withdraw items in the browser.

At ``/console`` (``routes``), for accounts with the publish scope, with the sessions of
``newswire.web.sessions``; who has none is sent to the portal's ``/login``. ``words``: the
interface in Arabic and English.

Templates: ``console/templates/console_*.html``; static files: ``console/static/``
(``console.css``, served at ``/static/``, on top of the portal's ``portal.css``).
"""
