"""Tunable settings of entity resolution (section ``resolve`` of the settings file)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("resolve")
@dataclass(frozen=True)
class ResolveSettings:
    # Pairs at or above this Splink match probability are joined into one nominal.
    # Chosen from the precision/recall sweep in docs/entity_resolution.md.
    match_threshold: float = 0.99
    # Scored pairs kept in er.match_pair for explanation (below the join threshold too).
    keep_pairs_above: float = 0.5
    # A nominal with more records than this is almost surely a chain of false
    # matches: the blocking check stops it reaching analysts.
    max_cluster_size: int = 50
    # u probabilities: number of random record pairs sampled (fixed seed).
    u_sample_pairs: float = 2e6
    random_seed: int = 42
    # EM: maximum blocked pairs per training rule (deterministic hash sample above it).
    em_max_pairs: float = 2e6
    # The prior match rate is estimated from near-certain rules (same name and
    # dob, same PNC id); this is the share of true matches they are assumed to find.
    deterministic_rule_recall: float = 0.6
    # Smallest m probability of a disagreement level after EM (PNC exempt): one
    # wrong field costs at most log2(1/floor) bits instead of vetoing a match.
    m_probability_floor: float = 0.005
    # Warn (non-blocking check) when fewer records than this share are linked.
    min_linked_share: float = 0.05
