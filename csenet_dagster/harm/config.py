"""Documented, tunable settings of the harm stage (section "harm").

docs/harm_and_priority.md explains every formula these constants feed. A force
overrides any of them in CSENET_SETTINGS_FILE, e.g.
``{"harm": {"recency_half_life_days": 540, "weights_file": "/srv/cchi.csv"}}``
or ``{"harm": {"classification_file": "/srv/force_offence_codes.csv"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("harm")
@dataclass(frozen=True)
class HarmSettings:
    # --- reference files (each recorded in analyst.run.reference_files: name, version, sha256) ---
    # The offence classification: which codes exist, their class, and which are CSE
    # offences (is_cse_offence) or imply a child victim (child_victim_implied). Empty =
    # the bundled csenet_dagster/reference/offence_codes.csv; a force may point this at
    # its own file in the same layout (columns in reference/README.md). Read by the
    # network stage (net.cse_offence_code: CSE seeds) and the harm stage alike.
    classification_file: str = ""
    # Version label of classification_file (e.g. "Force X offence list 2026-11").
    classification_version: str = ""

    # --- crime harm (Cambridge Crime Harm Index, days of custody) ---
    # Weights file; empty = the bundled csenet_dagster/reference/harm_weights.csv.
    # Either that layout or a CSV export of the official CCHI (see reference_files.py).
    weights_file: str = ""
    # Version label of weights_file (e.g. "CCHI 2020 v1.1"), recorded in analyst.run
    # with the file's name and sha256. The bundled file carries its own version.
    weights_version: str = ""
    # ONS Crime Severity Score weights table (CSV, see reference_files.py); empty = none.
    # Carried beside the CCHI weight (harm.offence_weight.css_weight), not scored.
    css_weights_file: str = ""
    css_weights_version: str = ""
    # An offence code without a weight never stops a run. "CLASS": it takes the
    # lowest weight of its Home Office class (10A -> class 10; the CCHI's own
    # "lowest category" rule), or unknown_code_default_days when the class has no
    # weighted code; "DEFAULT": always unknown_code_default_days. Listed in
    # analyst.unknown_offence_code and named by a warning check.
    unknown_code_fallback: str = "CLASS"
    # Harm days of a code whose class is unknown (or of every unknown code under
    # "DEFAULT"): a Band A fine, the lowest non-zero weight of the method.
    unknown_code_default_days: float = 2.5
    # At most this many unknown codes are named in the warning check's metadata.
    unknown_codes_listed_max: int = 20
    # Roles on a crime that make a nominal answerable for its harm.
    offender_roles: tuple[str, ...] = ("SUSPECT", "OFFENDER")

    # --- recency (every age is measured from the delivery's extracted_at) ---
    # A crime's harm halves every this many days: recent harm counts most.
    recency_half_life_days: float = 365.0
    # "Active" = an event within this many days of extracted_at.
    active_window_days: int = 365
    # Delayed disclosure: a CSE crime's age counts from the later of its
    # committed and recorded dates, and its recency weight never falls below
    # this floor (0.05 = about 4.3 half-lives), so abuse reported years later
    # is not discounted to nothing.
    cse_recency_floor: float = 0.05

    # --- priority = recent harm + threat points (all in CCHI-day units) ---
    # Per distinct victim harmed by the network's crimes in the active window.
    points_per_recent_victim: float = 150.0
    # Per distinct child reported missing in the network's orbit in the active window.
    points_per_missing_child: float = 100.0
    # Per member first seen in the active window (growth).
    points_per_new_member: float = 50.0
    # Per linked organised crime group, times the kind factor below and the
    # archived factor when the group is archived.
    points_per_ocg_link: float = 300.0
    ocg_kind_factor_shared_member: float = 1.0
    ocg_kind_factor_direct_link: float = 0.6
    ocg_kind_factor_two_step: float = 0.25
    ocg_archived_factor: float = 0.5

    # --- SOC link strength ---
    # Strength of one shared member (the same nominal in both).
    shared_member_strength: float = 1.0
    # A two-step path counts this fraction of its weaker edge's weight.
    two_step_discount: float = 0.5
    # At most this many two-step paths are kept per network and group (the strongest).
    two_step_max_paths: int = 50
    # The group's OCGM band scales a link's strength: tier (1 highest .. 3) x
    # letter (A highest .. C); e.g. 1A = 1.0, 2B = 0.675, 3C = 0.4. An unknown band counts as 3C.
    band_tier_1: float = 1.0
    band_tier_2: float = 0.75
    band_tier_3: float = 0.5
    band_letter_a: float = 1.0
    band_letter_b: float = 0.9
    band_letter_c: float = 0.8

    # --- safeguarding list of children (victims and children at risk; never targets) ---
    # Points per distinct CSE offender/suspect the child is directly linked to
    # (any link but a shared address, phone or vehicle).
    safeguarding_points_per_linked_offender: float = 100.0
    # Points per missing episode of the child in the active window.
    safeguarding_points_per_recent_missing_episode: float = 25.0
    # Points for recency: this many x 0.5 ^ (days since the child's last
    # event / recency_half_life_days).
    safeguarding_recency_points: float = 200.0

    # --- explanation and dossiers ---
    # Nominals (by priority rank) that get a full explanation.
    explain_top_nominals: int = 200
    # Networks (by priority rank) that get an HTML dossier.
    dossier_top_n: int = 10
    # Dossiers are written from the shareable picture (nothing derived from intelligence
    # with handling code C, sharing with conditions) unless this is true, when they are
    # written from the full picture (csenet_dagster/network/shareable.py).
    dossier_include_handling_c: bool = False
    # Seed of the link-chart layout, so the same network draws the same picture.
    dossier_layout_seed: int = 7
    # Labels on the dossier's link chart: "names" (short name, e.g. "J. SMITH", over
    # the nominal_id) or "ids" (nominal_id only, for a page that leaves the team).
    dossier_chart_labels: str = "names"
    # Protective marking printed at the top and bottom of every page of a dossier.
    dossier_marking: str = "OFFICIAL-SENSITIVE"


def load() -> HarmSettings:
    return settings.load(HarmSettings)
