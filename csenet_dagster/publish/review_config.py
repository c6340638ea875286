"""Settings of the possible-match review queue (section ``review``, recorded in analyst.run)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("review")
@dataclass(frozen=True)
class ReviewSettings:
    # Pairs the model scored at or above this match probability, but below the automatic
    # resolve.match_threshold, are published for an analyst to decide (analyst.possible_match).
    # Only pairs kept in er.match_pair (resolve.keep_pairs_above, 0.5) can be shown, so a lower
    # value shows no more. At 20,000 people about half the pairs between 0.5 and 0.99 are true
    # matches (docs/entity_resolution.md, "Review queue").
    possible_threshold: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.possible_threshold <= 1:
            raise ValueError(f"review.possible_threshold must be between 0 and 1, got {self.possible_threshold!r}")


def load() -> ReviewSettings:
    return settings.load(ReviewSettings)
