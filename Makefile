# The two commands of the README. Everything else is in deploy/local/.
.PHONY: demo test lint

demo:  ## local Kafka + live traffic + the scorer + QA page + metrics; Ctrl-C stops all
	@deploy/local/bootstrap
	@.venv/bin/python deploy/local/demo.py

test:  ## installs what the tests need (Kafka, PostgreSQL, Prometheus, Chromium), runs them
	@deploy/local/bootstrap --test
	@.venv/bin/ruff check .
	@.venv/bin/python -m pytest -q -ra --durations=15 $(PYTEST_ARGS)

lint:
	@.venv/bin/ruff check .
