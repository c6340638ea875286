"""Documented, tunable settings of the network stage (section "network").

Every constant that shapes a link, a weight or a network lives here; a force
overrides any of them in CSENET_SETTINGS_FILE, e.g.
``{"network": {"intel_source_evals": ["1", "2"]}}``. docs/network.md explains
each one and the formulas they feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings

LINK_TYPES = (
    "CO_OFFENDING",
    "CO_ARREST",
    "OFFENDER_VICTIM",
    "CO_VICTIMISATION",
    "MISSING_FOUND_WITH",
    "MISSING_FOUND_AT_ADDRESS",
    "INTEL_ASSOCIATION",
    "SHARED_ADDRESS",
    "SHARED_PHONE",
    "SHARED_VEHICLE",
)

# Shared attributes say where people live or what they use, not what they did
# together: they never build a CSE network on their own (see delineate.py).
SHARED_ATTRIBUTE_LINK_TYPES = ("SHARED_ADDRESS", "SHARED_PHONE", "SHARED_VEHICLE")

# 3x5x2: source 3 (not reliable) and assessments D (not known) and E
# (suspected false) never create a link, whatever the settings say.
FORBIDDEN_INTEL_SOURCE_EVALS = ("3",)
FORBIDDEN_INTEL_EVALS = ("D", "E")


@settings.section("network")
@dataclass(frozen=True)
class NetworkSettings:
    # --- intelligence admitted as links and seeds (3x5x2) ---
    # Source evaluations and intelligence assessments that make a log credible.
    intel_source_evals: tuple[str, ...] = ("1",)
    intel_evals: tuple[str, ...] = ("A", "B")
    # Whether graph exports (GraphML, i2 CSV) are written from the full picture,
    # handling-code-C intelligence included, instead of the shareable one
    # (csenet_dagster/network/shareable.py: nothing derived from C intelligence).
    export_conditional_intel: bool = False
    # Labels of people (and OCGs, phones, addresses) in the i2 exports: "names"
    # for use inside the force, "ids" (nominal_id, ocg_ref, numbered attribute
    # ids) when the files are shared; ids mode also leaves out crime outcomes.
    export_labels: str = "names"
    # Whether the i2 exports carry vehicles, phones and addresses held by two or
    # more exported people as entities of their own (linked to their holders).
    export_attribute_entities: bool = True

    # --- edge weights ---
    # Base strength of one event of each link type (same order as LINK_TYPES).
    strength_co_offending: float = 1.0
    strength_co_arrest: float = 0.8
    strength_offender_victim: float = 1.0
    strength_co_victimisation: float = 0.7
    strength_missing_found_with: float = 1.0
    strength_missing_found_at_address: float = 0.6
    strength_intel_association: float = 0.6
    strength_shared_address: float = 0.3
    strength_shared_phone: float = 0.3
    strength_shared_vehicle: float = 0.3
    # An event's contribution halves every half_life_days before extracted_at,
    # but never falls below recency_floor (old abuse still matters).
    recency_half_life_days: float = 730.0
    recency_floor: float = 0.2
    # At most this many full-strength events count towards one edge's weight.
    max_event_credit: float = 5.0
    # A shared address/phone/vehicle held by more than this many nominals
    # (hostel, taxi firm, pool car) creates no link at all; below the cap each
    # event is down-weighted by 1 / (holders - 1).
    shared_attribute_max_nominals: int = 6
    # A missing person is treated as a child below this age at the report date
    # (unknown or placeholder dates of birth count as a child: precaution).
    missing_child_max_age: int = 18

    # --- who is a CSE offender, suspect, victim (docs/network.md, "Roles") ---
    # A victim or suspect is a child below this age at the offence date
    # (committed date, else recorded date), from the resolved nominal's dob.
    child_max_age: int = 18
    # Crime outcomes are free text: upper-cased, trimmed, runs of spaces made
    # one, then matched by substring against these patterns, classes tried in
    # this order: NO_CRIME, ELIMINATED, NOT_PROCEEDED, OPEN, CHARGED; anything else
    # (null, "Under investigation", an unknown text) is OPEN.
    #   NO_CRIME / ELIMINATED: the crime makes no seed and no harm.
    #   CHARGED: charge, caution or conviction: OFFENDER for a person recorded as
    #     OFFENDER on the crime (or its only suspect), else SUSPECT.
    #   NOT_PROCEEDED / OPEN: the suspects and offenders on it are SUSPECTs.
    #   A crime-related incident (Home Office Counting Rules N100: a report of
    #   rape recorded as an incident, not as a crime) is no crime either.
    outcome_no_crime_patterns: tuple[str, ...] = (
        "NO CRIME", "NO-CRIME", "NOCRIME", "NO CRIMED", "NO-CRIMED", "CANCELLED", "CANCELED",
        "CRIME CANCEL", "NOT A CRIME", "NOT CRIME", "NON-CRIME", "NON CRIME",
        "CRIME-RELATED INCIDENT", "CRIME RELATED INCIDENT", "N100",
    )
    outcome_eliminated_patterns: tuple[str, ...] = (
        "ELIMINATED", "ACQUIT", "NOT GUILTY", "WRONGLY IDENTIFIED", "NOT INVOLVED",
    )
    outcome_not_proceeded_patterns: tuple[str, ...] = (
        "NOT CHARGED", "NO CHARGE", "NO FURTHER ACTION", "EVIDENTIAL DIFFICULT",
        "NOT IN PUBLIC INTEREST", "NOT IN THE PUBLIC INTEREST", "PUBLIC INTEREST", "NO SUSPECT IDENTIFIED",
        "TIME LIMIT", "PROSECUTION PREVENTED", "DISCONTINUED", "COMMUNITY RESOLUTION", "DIVERSION",
        # wordings that hold the charge words but say no charge was brought
        "WITHOUT CHARGE", "INSUFFICIENT EVIDENCE", "CHARGE REFUSED", "REFUSED CHARGE", "REFUSED TO CHARGE",
    )
    # Still open although the text holds a charge word ("Pre-charge bail",
    # "Awaiting charging decision"): tried before the charge words, so these stay
    # OPEN (SUSPECT) instead of becoming CHARGED (OFFENDER).
    outcome_open_patterns: tuple[str, ...] = (
        "PRE-CHARGE", "PRE CHARGE", "PRECHARGE", "CHARGING DECISION", "AWAITING CHARGE", "PENDING CHARGE",
        "NOT YET CHARGED",
    )
    outcome_charged_patterns: tuple[str, ...] = (
        "CHARGE", "SUMMONS", "SUMMONED", "CAUTION", "CONVICT", "GUILTY", "TAKEN INTO CONSIDERATION",
        "SENTENCED",
    )
    # An adult a missing child was found with (or whose address they were found
    # at) is an ASSOCIATE, never an offender. They are flagged a person of
    # concern when at least this many different children, not of one household
    # (no shared address between them), were found with them on separate episodes.
    person_of_concern_min_children: int = 2

    # --- CSE network delineation ---
    # Non-seeds join a network as ASSOCIATE when they have qualifying links
    # (credible CSE intelligence naming them with a seed, found with a child
    # victim, shared vehicle or phone) to at least this many distinct seeds of
    # that one network. Co-offending in a non-CSE crime, OCG membership and a
    # shared address never admit anyone (they stay in edge / soc_link).
    associate_min_seed_links: int = 2
    # A CSE-flagged log below the credibility rule but in this wider tier
    # (never source 3 or assessments D/E) can admit a person named with a seed
    # offender/suspect as an ASSOCIATE (reason INTEL_ASSOCIATE_LOW_GRADE), never
    # as an offender; it creates no link and no seed.
    associate_intel_source_evals: tuple[str, ...] = ("1", "2")
    associate_intel_evals: tuple[str, ...] = ("A", "B", "C")
    # Shared attributes join two seeds only at this summed weight or more (0.6 =
    # e.g. both an address and a phone at full strength): one shared phone does not.
    seed_shared_attribute_min_weight: float = 0.6
    # Components larger than this are split by Leiden (modularity); a community
    # is kept apart only when at most split_max_conductance of its members'
    # link weight goes to the rest of the component.
    leiden_min_component_size: int = 10
    split_max_conductance: float = 0.15
    leiden_resolution: float = 1.0
    # Seeds Leiden and the ARPACK start vectors of eigenvector centrality.
    random_seed: int = 20261129
    # A CSE network needs at least this many OFFENDERs or SUSPECTs (CSE crime
    # or credible CSE intelligence about that person) and at least this many
    # child VICTIMs linked directly to one of them.
    min_network_offenders: int = 2
    min_network_victims: int = 1
    # Check: no network may hold more than this share of all nominals (a sign
    # of links chaining unrelated people), unless it has at most
    # network_size_check_floor members (small deliveries).
    max_network_share: float = 0.05
    network_size_check_floor: int = 50

    # --- centrality ---
    # Components above this size get betweenness limited to paths of at most
    # betweenness_cutoff hops (an estimate); smaller ones are exact.
    betweenness_exact_max_nodes: int = 5000
    betweenness_cutoff: int = 4

    def outcome_patterns(self) -> list[tuple[str, int, str]]:
        """(outcome_class, precedence, pattern) rows, the first class matched wins."""
        classes = (
            ("NO_CRIME", self.outcome_no_crime_patterns),
            ("ELIMINATED", self.outcome_eliminated_patterns),
            ("NOT_PROCEEDED", self.outcome_not_proceeded_patterns),
            ("OPEN", self.outcome_open_patterns),
            ("CHARGED", self.outcome_charged_patterns),
        )
        return [
            (name, precedence, " ".join(str(p).upper().split()))
            for precedence, (name, patterns) in enumerate(classes, start=1)
            for p in patterns
        ]

    def strength(self, link_type: str) -> float:
        return float(getattr(self, f"strength_{link_type.lower()}"))

    def credible_intel_source_evals(self) -> tuple[str, ...]:
        """The configured source evaluations minus those that may never link."""
        return tuple(v for v in self.intel_source_evals if v not in FORBIDDEN_INTEL_SOURCE_EVALS)

    def associate_intel_tier(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(source evaluations, assessments) that may admit an associate, minus those that never count."""
        return (
            tuple(v for v in self.associate_intel_source_evals if v not in FORBIDDEN_INTEL_SOURCE_EVALS) or ("-",),
            tuple(v for v in self.associate_intel_evals if v not in FORBIDDEN_INTEL_EVALS) or ("-",),
        )

    def credible_intel_evals(self) -> tuple[str, ...]:
        return tuple(v for v in self.intel_evals if v not in FORBIDDEN_INTEL_EVALS)


def load() -> NetworkSettings:
    return settings.load(NetworkSettings)
