"""Stage: harm. Exposes ASSETS and CHECKS for csenet_dagster.definitions.

Crime harm (Cambridge Crime Harm Index weights), nominal and network harm,
priority ranks, explanations, SOC (OCG) links and network dossiers.
"""

from csenet_dagster.harm import checks, dossier, priority, scoring

ASSETS: list = [*scoring.ASSETS, *priority.ASSETS, *dossier.ASSETS]
CHECKS: list = [*checks.CHECKS]
