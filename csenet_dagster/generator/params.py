"""Tunable rates of the synthetic world and its noise (documented, recorded in truth/params.json)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("generator")
@dataclass(frozen=True)
class GeneratorParams:
    # --- world shape -------------------------------------------------------
    # One planted CSE network per this many background people (minimum 3).
    people_per_network: int = 2000
    min_networks: int = 3
    # One organised crime group per this many background people (minimum 2).
    people_per_ocg: int = 8000
    min_ocgs: int = 2
    # Years of history in a delivery (every event date is within this window).
    history_years: int = 12
    # Share of planted networks that are ACTIVE (the rest DORMANT); at least one of each.
    active_network_share: float = 0.55
    # Share of networks tied to an OCG (shared member or direct link).
    network_ocg_link_share: float = 0.35
    # Share of true OCG members that appear in ocg_member.csv.
    ocg_mapped_share: float = 0.75
    # Share of background adults who offend; of those, share in small co-offending crews.
    offender_share: float = 0.18
    crew_share: float = 0.15
    # Background crimes per background person.
    crimes_per_person: float = 0.30
    # Low-grade intel logs (source 3 or grade D/E) naming unrelated people, per person.
    noise_intel_per_person: float = 0.02
    # Residents of the busy hostel, children in the children's home (with one victim of NET0001)
    # and drivers behind the taxi firm's phone (with one offender of NET0003).
    hostel_residents: int = 40
    children_in_care: int = 12
    taxi_drivers: int = 25

    # --- record duplication ------------------------------------------------
    # Chance that a further appearance of a person in a system opens a new record.
    new_record_rate: float = 0.12
    max_records_per_system: int = 4

    # --- person-field noise (per record) -----------------------------------
    dob_missing_rate: float = 0.08
    dob_placeholder_rate: float = 0.02
    # mistyped dob: day and month swapped, a day out or a year out
    dob_typo_rate: float = 0.025
    name_typo_rate: float = 0.05
    name_swap_rate: float = 0.035  # applied only to records with no other name noise (~2.5% overall)
    transliteration_rate: float = 0.3
    # Share of records of a name with diacritics (Wiśniewski, Nguyễn, Łukasz) keyed without them.
    diacritics_dropped_rate: float = 0.5
    # Mohammed Imran Khan recorded as Imran Khan (prefix forename dropped, calling name kept).
    prefix_dropped_rate: float = 0.25
    # A Bangladeshi or Pakistani woman recorded as Begum/Khatun/Bibi instead of her family name,
    # or (when her own surname is Begum) under her husband's surname.
    title_surname_rate: float = 0.12
    # A Sikh recorded as Singh/Kaur instead of the family (clan) name.
    sikh_name_rate: float = 0.15
    # A Polish woman's surname in the masculine form (Kowalski for Kowalska).
    gendered_surname_rate: float = 0.1
    # A hyphenated or double-barrelled surname recorded as one of its parts.
    surname_part_rate: float = 0.2
    # Chinese and Vietnamese names keyed family name first (family name in the forenames field).
    family_name_first_rate: float = 0.2
    nickname_rate: float = 0.06
    initial_only_rate: float = 0.03
    middle_name_rate: float = 0.3
    sex_unknown_rate: float = 0.02
    sex_missing_rate: float = 0.02
    address_missing_rate: float = 0.05
    stale_address_rate: float = 0.1
    postcode_missing_rate: float = 0.05
    pnc_corrupt_rate: float = 0.004

    # --- dirty rows (contract breaches ingest must quarantine; truth/quarantine_expected.csv) ---
    # Share of each file's rows broken (unparseable date, empty key, unknown code, orphan,
    # repeated ref), at least dirty_min_rows_per_file per file; 0 disables all dirt. A broken
    # crime or intel log also orphans its people rows (counted in the expected quarantine).
    dirty_row_rate: float = 0.002
    dirty_min_rows_per_file: int = 4
