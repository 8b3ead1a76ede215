from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    endpoint: str = Field(..., alias="AOAI_ENDPOINT")
    api_key: SecretStr = Field(..., alias="AOAI_KEY")
    deployment: str = Field("gpt-4o", alias="AOAI_DEPLOYMENT")
    api_version: str = Field("2024-10-21", alias="AOAI_API_VERSION")


@lru_cache
def get_settings() -> Settings:
    return Settings()
