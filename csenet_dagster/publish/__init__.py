"""Stage: publish. pub.* analyst tables (audited) -> analyst.duckdb (atomic swap).

Exposes ASSETS and CHECKS for csenet_dagster.definitions; the checks of the
pub.* tables are declared on their assets (check specs); CHECKS holds the
WARN check that every published column is described (dictionary_check.py).
"""

from csenet_dagster.publish.analyst_db import ANALYST_DB_KEY, analyst_db
from csenet_dagster.publish.audit import record_run
from csenet_dagster.publish.dictionary_check import CHECKS as DICTIONARY_CHECKS
from csenet_dagster.publish.possible_match import POSSIBLE_MATCH, possible_match_queue
from csenet_dagster.publish.tables import PUB_ASSETS, PUB_TABLES

ASSETS: list = [*PUB_ASSETS, possible_match_queue, analyst_db]
CHECKS: list = [*DICTIONARY_CHECKS]

__all__ = ["ANALYST_DB_KEY", "ASSETS", "CHECKS", "POSSIBLE_MATCH", "PUB_TABLES", "record_run"]
