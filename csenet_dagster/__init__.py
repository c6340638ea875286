"""csenet: finds and prioritises child sexual exploitation (CSE) networks.

Pipeline stages, one subpackage each, in run order:

    ingest   -> raw.*       validated delivery loaded into DuckDB, bad rows quarantined
    resolve  -> er.*        person records resolved into nominals (Splink)
    network  -> net.*       typed, weighted, dated links; CSE networks; centrality
    harm     -> harm.*      crime harm, priority ranking, SOC (OCG) links, dossiers
    publish  -> pub.* -> analyst.duckdb   audited, then published atomically
"""

__version__ = "0.1.0"
