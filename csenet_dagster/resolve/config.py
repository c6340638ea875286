"""Tunable settings of entity resolution (section ``resolve`` of the settings file)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("resolve")
@dataclass(frozen=True)
class ResolveSettings:
    # Pairs whose match probability is at or above this are joined into one nominal.
    # Chosen from the sweeps in docs/entity_resolution.md ("Decision rule").
    match_threshold: float = 0.99
    # Scored pairs kept in er.match_pair for explanation (below the join threshold too).
    keep_pairs_above: float = 0.5
    # 0 (default): probabilities are Splink's own. Its prior (the chance that two random
    # records match) falls as 1/N, so a bigger delivery needs more evidence for the same
    # probability: it really holds more namesakes. Measured on deliveries of 26k to 1.04M
    # records with realistic name frequencies, recall then falls by 0.001 and precision
    # stays above 0.995 (docs/entity_resolution.md, "Decision rule"). A force that prefers
    # recall at scale can state probabilities at a reference size instead: above
    # reference_records records the prior is held at lambda * (N - 1) / (reference_records - 1),
    # so a fixed amount of evidence gives a fixed probability (and namesakes are joined
    # more often than their real odds).
    reference_records: int = 0
    # The model never joins two records whose full dates of birth are far apart (not
    # within a year, not a typo, transposition or day/month swap of each other), not
    # even through a third record: relatives with one name at one address otherwise
    # chain together. An analyst's SAME decision overrides it. Applied only when the
    # delivery's own model finds dob disagreement rare among true matches (m of the dob
    # 'else' level at most dob_conflict_max_m): in data where dobs are often simply
    # wrong (FEBRL corrupts them freely) it would split true matches.
    dob_conflict_refuses_join: bool = True
    dob_conflict_max_m: float = 0.01
    # Score a shared postcode given a shared surname (families live together), not as
    # independent evidence: linkage.add_household_level.
    household_level: bool = True
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
    # After EM, replace that assumption by the share the trained model implies (m of the
    # exact levels times column fill, linkage.deterministic_recall) and rescale the prior.
    estimate_deterministic_rule_recall: bool = True
    # Smallest m probability of a disagreement level after EM (PNC exempt): one
    # wrong field costs at most log2(1/floor) bits instead of vetoing a match.
    m_probability_floor: float = 0.005
    # Linkage adapts to what a delivery carries. A linkage column filled on fewer
    # than this share of records (or fewer than min_column_records records) is
    # left out: its comparison, and every blocking and training rule that uses it.
    min_column_fill: float = 0.01
    min_column_records: int = 10
    # An EM training rule is only run when its block holds at least this many
    # record pairs (EM cannot estimate anything from an empty block). Comparisons
    # no pass could train take documented prior m probabilities (linkage.PRIOR_M).
    em_min_pairs: int = 10
    # Prior used when no near-certain rule can estimate it (no dob and no PNC id):
    # this many true duplicate pairs per record (measured on generated deliveries: 0.36).
    fallback_duplicate_pairs_per_record: float = 0.3
    # Warn (non-blocking check) when fewer records than this share are linked.
    min_linked_share: float = 0.05


def load() -> ResolveSettings:
    return settings.load(ResolveSettings)
