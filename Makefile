# briefwright: `make brief` builds the sample brief, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: brief redline test check list preview email lint bench bench-redline bench-quick \
	bench-compare minimums test-oldest reference-docx reference-odt golden clean distclean

# Every edition, and beside each its redline: what changed since its audience's last release.
brief: $(STAMP)
	$(BIN)/brief build --redline

# Only the sample's redlines (build/ukraine-security-guarantees/*/*-redline.{pdf,docx,html}).
redline: $(STAMP)
	$(BIN)/brief build ukraine-security-guarantees --redline

# Write an email draft (.eml, PDF attached) of the sample brief for each of its audiences.
email: $(STAMP)
	for audience in executive analyst public; do \
		$(BIN)/brief email ukraine-security-guarantees -a $$audience || exit 1; \
	done

# Show the sample brief in a browser, rebuilt on every save (Ctrl-C stops).
preview: $(STAMP)
	$(BIN)/brief preview ukraine-security-guarantees

check: $(STAMP)
	$(BIN)/brief check

list: $(STAMP)
	$(BIN)/brief list

test: $(STAMP)
	$(BIN)/pytest -q

# Time briefwright against the by-hand way; writes bench/results.md (takes a while).
# Bytecode first, as an installed package has it (with PYTHONDONTWRITEBYTECODE
# set, every run would otherwise compile briefwright's modules again).
bench: $(STAMP)
	$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/python bench/run.py

# Time a redline against the edition it marks; writes bench/redline.md.
bench-redline: $(STAMP)
	$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/python bench/redline.py

# Time this working tree against the commit it left main at, side by side in one run:
# the sample only (bench-quick, a few minutes), or the sample and 10 briefs.
bench-quick: $(STAMP)
	$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/python bench/compare.py --sizes 1

bench-compare: $(STAMP)
	$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/python bench/compare.py

# Build the sample with every dependency at the lowest version pyproject.toml allows
# (installs them into a throwaway virtual environment: about a minute).
minimums: $(STAMP)
	$(BIN)/python tests/minimums.py

# The integration tests with every dependency, test libraries too, at its lowest allowed
# version (a throwaway virtual environment: about four minutes).
test-oldest: $(STAMP)
	$(BIN)/python tests/minimums.py --extras test --pytest -q tests/test_integration.py tests/test_formats.py tests/test_preview.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# Regenerate the Word reference document that gives DOCX outputs their styles.
reference-docx: $(STAMP)
	$(BIN)/python -m briefwright.reference_docx src/briefwright/templates/_base/reference.docx
	for layout in one-pager two-pager; do \
		$(BIN)/python -m briefwright.reference_docx src/briefwright/templates/$$layout/reference.docx --compact; \
	done

# Regenerate the OpenDocument reference document that gives ODT outputs their styles.
reference-odt: $(STAMP)
	$(BIN)/python -m briefwright.reference_odt src/briefwright/templates/_base/reference.odt
	for layout in one-pager two-pager; do \
		$(BIN)/python -m briefwright.reference_odt src/briefwright/templates/$$layout/reference.odt --compact; \
	done

# Regenerate the golden files under tests/golden/ after an intended change.
golden: $(STAMP)
	BRIEFWRIGHT_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "briefwright needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@
	@echo "briefwright is installed in $(VENV)/. Run its command as $(BIN)/brief,"
	@echo "or run 'source $(BIN)/activate' once per terminal, then just 'brief'."

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV) src/*.egg-info
