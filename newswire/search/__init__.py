"""Full-text search: the subscriber's query language and its parser (``query``)."""
