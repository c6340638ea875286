"""Tunable settings of the publish stage (recorded in analyst.run like every section)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import files, settings


@settings.section("publish")
@dataclass(frozen=True)
class PublishSettings:
    # Permissions of analyst.duckdb and the working database, as an octal
    # string. Default owner-only: the files hold names, dates of birth and
    # intelligence; a force that serves analysts through a group can set "0640".
    file_mode: str = files.DEFAULT_FILE_MODE
    # Longest error text kept in audit.run_history for a failed run (the
    # message names the failing step and rule; person values never reach it).
    max_error_chars: int = 2000

    @property
    def file_mode_bits(self) -> int:
        return files.file_mode_bits(self.file_mode)


def load() -> PublishSettings:
    return settings.load(PublishSettings)
