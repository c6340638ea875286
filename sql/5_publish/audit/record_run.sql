-- One row of audit.run_history per run and status (a run recorded again replaces its row).
DELETE FROM audit.run_history WHERE run_id = ${run_id};
INSERT INTO audit.run_history (
    run_id, trigger, status, delivery_id, extracted_at, manifest_sha256, delivery_checksums,
    code_version, settings, identity_corrections_applied, link_corrections_applied,
    failed_step, error, published_at, recorded_at
)
VALUES (
    ${run_id}, ${trigger}, ${status}, ${delivery_id}, ${extracted_at}, ${manifest_sha256},
    ${delivery_checksums}, ${code_version}, ${settings}, ${identity_corrections_applied},
    ${link_corrections_applied}, ${failed_step}, ${error}, ${published_at}, ${recorded_at}
);
