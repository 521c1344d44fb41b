# Two commands do all the set-up on a fresh machine (Python >= 3.11 with venv):
#   make demo   install, load the demo data, serve on http://127.0.0.1:8000
#   make test   install, lint, start the services tests use (NATS, PostgreSQL, Chromium, axe-core), run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-long install lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("newswire needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

# The demo's store: ./demo.db, unless NEWSWIRE_DB names another (from the environment or
# `make demo NEWSWIRE_DB=...`), as every other setting (NEWSWIRE_PORT, ...) is read by
# newswire itself.
DEMO_DB = $(or $(NEWSWIRE_DB),sqlite:///./demo.db)

demo: install
	@bash scripts/services.sh media || echo "make demo: pictures and video need exiftool, ffmpeg and libvips (scripts/services.sh media installs them on Debian); text works without them" >&2
	$(BIN)/newswire demo --db '$(DEMO_DB)'

lint: install
	$(BIN)/ruff check newswire tests bench
	$(BIN)/mypy

# compileall: the suite runs every command and server as a process of its own; where the
# environment sets PYTHONDONTWRITEBYTECODE, each one would compile newswire's sources again.
test: lint
	bash scripts/services.sh
	$(BIN)/python -m compileall -q -j 0 newswire
	$(BIN)/pytest -q -n auto --dist loadfile

# The same suite with every property test's full number of cases (tests/helpers.py: LONG).
test-long:
	NEWSWIRE_LONG_TESTS=1 $(MAKE) test

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis demo.db demo.db-wal demo.db-shm

.PHONY: bench-stream
bench-stream: install
	bash scripts/services.sh peers
	$(BIN)/python bench/stream.py

.PHONY: bench-public bench-search
bench-public: install
	bash scripts/services.sh peers
	$(BIN)/python bench/public.py

bench-search: install
	$(BIN)/python bench/search.py

.PHONY: bench-search-http
bench-search-http: install
	bash scripts/services.sh peers
	$(BIN)/python bench/search_http.py

.PHONY: bench-feed bench-longpoll bench-publish bench-webhooks
bench-feed: install
	bash scripts/services.sh peers
	$(BIN)/python bench/feed.py

bench-longpoll: install
	$(BIN)/python bench/longpoll.py

bench-publish: install
	$(BIN)/python bench/publish.py

bench-webhooks: install
	$(BIN)/python bench/webhooks.py

# The scale-out benches need PostgreSQL and NATS JetStream on 127.0.0.1 (started if missing).
.PHONY: bench-cluster bench-pg-ingest
bench-cluster: install
	bash scripts/services.sh postgres nats
	$(BIN)/python bench/cluster.py

bench-pg-ingest: install
	bash scripts/services.sh postgres
	$(BIN)/python bench/pg_ingest.py

# Picture renditions against the vips command line (exiftool, ffmpeg and libvips installed if missing).
.PHONY: bench-renditions
bench-renditions: install
	bash scripts/services.sh media
	$(BIN)/python bench/renditions.py

.PHONY: bench-media-http
bench-media-http: install
	bash scripts/services.sh peers media
	$(BIN)/python bench/media_http.py
