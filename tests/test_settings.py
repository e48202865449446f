import pytest

from watchkeeper.errors import ConfigError
from watchkeeper.settings import load_settings


def test_defaults_use_the_embedded_store() -> None:
    settings = load_settings({})
    assert settings.store_url == "sqlite:///.watchkeeper/watchkeeper.db"
    assert settings.organisation == "local" and settings.country is None


def test_environment_is_read_and_validated() -> None:
    settings = load_settings(
        {
            "WATCHKEEPER_DATABASE_URL": "postgresql://u@h/db",
            "WATCHKEEPER_COUNTRY": "kor",
            "WATCHKEEPER_ORG": "nis",
        }
    )
    assert settings.store_url == "postgresql+psycopg://u@h/db"
    assert settings.country == "KOR" and settings.organisation == "nis"
    with pytest.raises(ConfigError, match="alpha-3"):
        load_settings({"WATCHKEEPER_COUNTRY": "Korea"})
