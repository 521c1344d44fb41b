"""The HTTP layer: routes only, delegating to formats, ingest and the store."""
