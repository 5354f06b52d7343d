import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from core.settings import Settings
from tests.conftest import REPO


def _env_names(model: type[BaseModel], prefix: str = "NEWSDESK_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            names += [f"{prefix}{name.upper()}_{sub.upper()}" for sub in ann.model_fields]
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_nested_env_variables(monkeypatch):
    monkeypatch.setenv("NEWSDESK_RETRIEVAL_K", "5")
    monkeypatch.setenv("NEWSDESK_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSDESK_ANSWER_REFUSAL_THRESHOLD", "0.5")
    monkeypatch.setenv("NEWSDESK_CHUNK_MAX_TOKENS", "128")
    s = Settings()
    assert (s.retrieval.k, s.chroma.host, s.answer.refusal_threshold, s.chunk.max_tokens) == (5, "127.0.0.1", 0.5, 128)
    assert Path(s.home).name == "home"


def test_misspelled_nested_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("NEWSDESK_RETRIEVAL_KK", "5")
    with pytest.raises(ValidationError, match="kk"):
        Settings()


def test_bad_values_are_quoted():
    with pytest.raises(ValidationError, match="'x'"):
        Settings(collection="x")


def test_every_field_has_a_description_and_is_in_env_example():
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*(NEWSDESK_[A-Z0-9_]+)=", example, flags=re.MULTILINE))
    expected = set(_env_names(Settings))
    assert expected <= listed, sorted(expected - listed)
    for field in Settings.model_fields.values():
        assert field.description
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for sub, subfield in ann.model_fields.items():
                assert subfield.description, f"{name}.{sub}"
