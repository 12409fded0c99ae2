# The README's two commands: `make demo` and `make test`.
.PHONY: setup demo serve test lint bench browser clean

setup: .venv/.installed

.venv/.installed: requirements.lock pyproject.toml scripts/bootstrap
	bash scripts/bootstrap

## Set everything up, load the demo company (once) and serve it at http://127.0.0.1:8000,
## with a background worker beside it (queued mail, printed to the terminal; scheduled jobs)
demo: setup
	.venv/bin/retain init
	.venv/bin/retain demo --if-empty
	.venv/bin/retain worker & trap 'kill $$! 2>/dev/null' EXIT; .venv/bin/retain serve

serve: setup
	.venv/bin/retain serve

## Every check and test, on SQLite and PostgreSQL (browser tests included)
test: setup browser
	bash scripts/test

## Debian's Chromium for the browser tests (skipped when already there)
browser:
	@bash scripts/install-chromium

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy src

bench: setup
	.venv/bin/python benchmarks/import_events.py

clean:
	rm -rf .venv var
