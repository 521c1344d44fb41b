"""Getting items to subscribers: rendering once, feeds, streams, webhooks."""
