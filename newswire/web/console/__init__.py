"""The editors' console: the agency's editors write, preview, publish, update, correct and
withdraw items in the browser.

At ``/console`` (``routes``), for accounts with the publish scope, logged in through the
shared ``/login`` (``newswire.web.sessions``); ``words``: the interface in Arabic and
English.

Templates: ``console/templates/console_*.html``; static files: ``console/static/``
(``console.css``, served at ``/static/``, on top of the portal's ``portal.css``).
"""
