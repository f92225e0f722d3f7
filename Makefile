# Two commands matter: `make run` and `make test`. Each sets up everything it needs first.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
PORT   ?= 8000
HOST   ?= 127.0.0.1
export NO_MKDOCS_2_WARNING := 1
# `make run` is a local trial: development mode unless the environment says otherwise, at the
# address it serves (links such as a personal assessment link are built from PUBLIC_URL).
RUN_ENV := INTAKE_ENV=$(or $(INTAKE_ENV),development) PUBLIC_URL=$(or $(PUBLIC_URL),http://$(HOST):$(PORT))
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# The W3C Nu HTML Checker, from npm, exactly as vnu/package-lock.json pins it (runs on Java 17+).
VNU_JAR := vnu/node_modules/vnu-jar/build/dist/vnu.jar

# The site's engine: MkDocs (the default, chosen by measurement: README, docs/benchmarks.md) or
# Zensical, its successor, one setting away: `SITE_ENGINE=zensical make site` (or `make run`).
# Both build the same sources, each with its i18n plugin (mkdocs-static-i18n, zensical-i18n).
SITE_ENGINE ?= mkdocs
SITE_BUILD_mkdocs   := $(BIN)/mkdocs build --strict
SITE_BUILD_zensical := $(BIN)/zensical-i18n build --strict
ifeq ($(SITE_BUILD_$(SITE_ENGINE)),)
$(error SITE_ENGINE must be mkdocs or zensical, not "$(SITE_ENGINE)")
endif
export SITE_ENGINE

# The forms' words in other languages: gettext catalogs (docs/translations.md). The .po files are
# what translators edit; the .mo files are compiled from them and committed, so a checkout serves
# every language as it is; `make run` and `make test` compile again whenever a .po is newer.
TRANSLATIONS := intake_server/translations
POT    := $(TRANSLATIONS)/messages.pot
PO     := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
# Translated catalogs wrap at 100 characters, as the committed ones do, so an update changes only
# the messages that changed.
PO_WIDTH := --width 100

.PHONY: run test site preview check-content lint format bench clean translations translations-extract translations-update translations-compile vnu screenshots

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the static site into site/ (fails on a broken link or anchor), with $(SITE_ENGINE).
site: $(STAMP)
	$(SITE_BUILD_$(SITE_ENGINE))

## Build the site and serve it with the forms and the staff dashboard at http://$(HOST):$(PORT)
run: site $(MO)
	$(RUN_ENV) $(BIN)/flask --app intake_server db upgrade
	$(RUN_ENV) $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		'intake_server:create_app()'

## Live-reloading preview for editors at http://127.0.0.1:8001; a mistake shows in the browser.
## Always MkDocs: it shows both languages and reloads when clinic.yml changes (`zensical-i18n
## serve` shows one language at a time and does not watch clinic.yml).
preview: $(STAMP)
	$(BIN)/python -m site_templates.preview --dev-addr 127.0.0.1:8001

## One readable report on the site's Markdown: errors fail, warnings do not.
check-content: $(STAMP)
	$(BIN)/python -m site_templates.content_check

## Lint, check the content, then every test (browser and PostgreSQL tests included).
test: $(STAMP) $(MO) $(VNU_JAR) lint check-content
	$(BIN)/pytest

## Install the HTML checker that tests/site/test_html_validity.py runs (docs/checks.md). The
## package's install script, which would download a Java runtime, is skipped: Java is here.
vnu: $(VNU_JAR)

$(VNU_JAR): vnu/package.json vnu/package-lock.json
	npm ci --prefix vnu --ignore-scripts --no-audit --no-fund
	touch $@

## Screenshots of the main pages at 360 and 1280 px wide into docs/screenshots/ (docs/checks.md).
screenshots: $(STAMP)
	$(BIN)/python -m testkit.screenshots

## Every benchmark, one after another (about 20 minutes), each printing its table; results are
## recorded in docs/benchmarks.md. Needs wrk (apt-get install wrk), Chromium, PostgreSQL and npm.
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c
bench: $(STAMP)
	mkdir -p bench/results
	$(BIN)/python -m bench.site_build | tee bench/results/site_build.md
	$(BIN)/python -m bench.lighthouse | tee bench/results/lighthouse.md
	$(BIN)/python -m bench.load | tee bench/results/load.md
	$(BIN)/python -m bench.queue | tee bench/results/queue.md
	$(BIN)/python -m bench.crash --backend sqlite | tee bench/results/crash_sqlite.md
	$(BIN)/python -m bench.crash --backend postgres | tee bench/results/crash_postgres.md
	$(BIN)/python -m bench.crisis | tee bench/results/crisis.md

## After changing the forms' words: extract them, merge them into each language's catalog (new
## and changed ones are left empty or marked fuzzy for a translator), and compile the catalogs.
translations: translations-update translations-compile

translations-extract: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword _l --add-location file \
		--sort-by-file --project "iop-clinic intake forms" --output-file $(POT) .

translations-update: translations-extract
	$(BIN)/pybabel update --input-file $(POT) --output-dir $(TRANSLATIONS) --ignore-obsolete $(PO_WIDTH)

translations-compile: $(STAMP)
	$(BIN)/pybabel compile --directory $(TRANSLATIONS) --statistics

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --directory $(TRANSLATIONS) --locale $* --statistics

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) site instance .pytest_cache .hypothesis .zensical-i18n
