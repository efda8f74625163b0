from pathlib import Path

import pytest

from rag.config import Settings, SettingsError, describe


def test_defaults_and_types():
    s = Settings.from_env({"DANVAN_TOP_K": "7", "DANVAN_REFUSAL_THRESHOLD": "0.5", "DANVAN_DATA_DIR": "/x"})
    assert s.top_k == 7 and s.refusal_threshold == 0.5 and s.data_dir == Path("/x")
    assert s.qdrant_path == Path("/x/qdrant") and s.models_path == Path("/x/models")
    assert Settings.from_env({}).host == "127.0.0.1"


def test_unknown_key_is_an_error_listing_valid_ones():
    with pytest.raises(SettingsError, match="DANVAN_TOPK.*DANVAN_TOP_K"):
        Settings.from_env({"DANVAN_TOPK": "5"})


def test_bad_value_names_the_key():
    with pytest.raises(SettingsError, match="DANVAN_PORT"):
        Settings.from_env({"DANVAN_PORT": "abc"})


def test_settings_are_frozen_and_described():
    s = Settings.from_env({})
    with pytest.raises(AttributeError):
        s.top_k = 3  # type: ignore[misc]
    assert s.replace(top_k=3).top_k == 3
    assert ("DANVAN_DATA_DIR", "data", "Model folder, Qdrant store, eval runs, logs.") in describe()


def test_the_readme_table_lists_every_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [key for key, _, _ in describe() if f"| `{key}` |" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"
