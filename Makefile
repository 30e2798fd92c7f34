# Developer shortcuts; the README's two commands are scripts/quickstart and scripts/test.
.PHONY: setup run test lint migrate openapi bench fuzz db-up db-down
setup:   ; scripts/setup --dev
run:     ; scripts/quickstart
test:    ; scripts/test
lint:    ; .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
migrate: ; .venv/bin/onderdak migrate
openapi: ; .venv/bin/onderdak openapi
bench:   ; .venv/bin/onderdak bench
fuzz:    ; scripts/fuzz
db-up:   ; .venv/bin/onderdak db up
db-down: ; .venv/bin/onderdak db down
