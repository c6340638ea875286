"""Tunable settings of the publish stage (recorded in analyst.run like every section)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("publish")
@dataclass(frozen=True)
class PublishSettings:
    # Permissions of analyst.duckdb and the working database, as an octal
    # string. Default owner-only: the files hold names, dates of birth and
    # intelligence; a force that serves analysts through a group can set "0640".
    file_mode: str = "0600"
    # Longest error text kept in audit.run_history for a failed run (the
    # message names the failing step and rule; person values never reach it).
    max_error_chars: int = 2000

    @property
    def file_mode_bits(self) -> int:
        try:
            mode = int(self.file_mode, 8)
        except ValueError as exc:
            raise ValueError(f"publish.file_mode must be an octal string such as '0600', got {self.file_mode!r}") from exc
        if mode & ~0o777:
            raise ValueError(f"publish.file_mode must only hold permission bits (<= 0777), got {self.file_mode!r}")
        return mode


def load() -> PublishSettings:
    return settings.load(PublishSettings)
