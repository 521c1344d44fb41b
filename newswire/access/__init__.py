"""Who may receive what: products, subscribers, API keys."""
