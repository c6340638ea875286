"""Failed refresh runs are recorded in audit.run_history by the run-failure sensor."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster._utils.error import SerializableErrorInfo

from csenet_dagster import db
from csenet_dagster.ops.audit import AUDIT_SENSOR_NAME, record_failure, run_failure_audit, safe_error_line
from csenet_dagster.ops.sensor import DELIVERY_TAG
from csenet_dagster.ops.job import REFRESH_JOB
from csenet_dagster.publish.audit import TRIGGER_TAG

SECRET = "ZEBEDEE-SURNAME"


@dg.op
def resolve_step() -> None:
    # What a database cast failure looks like: DuckDB quotes the offending value.
    raise duckdb.ConversionException(f"Conversion Error: Could not convert string '{SECRET}' to DATE")


@dg.job(name=REFRESH_JOB)
def failing_refresh() -> None:
    resolve_step()


def _failed_run(instance: dg.DagsterInstance) -> tuple[dg.DagsterRun, dg.DagsterEvent]:
    result = failing_refresh.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={TRIGGER_TAG: "sensor:csenet_delivery_sensor", DELIVERY_TAG: "2026-11-29T0600"},
    )
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE][0]
    return run, failure


def _history() -> list[tuple]:
    with db.working_db(read_only=True) as conn:
        return conn.sql(
            "SELECT run_id, status, trigger, delivery_id, failed_step, error FROM audit.run_history"
        ).fetchall()


def test_sensor_records_failed_run_without_person_values(empty_workspace):
    with dg.instance_for_test() as instance:
        run, failure = _failed_run(instance)
        context = dg.build_run_status_sensor_context(
            sensor_name=AUDIT_SENSOR_NAME, dagster_event=failure, dagster_instance=instance, dagster_run=run
        ).for_run_failure()
        run_failure_audit(context)

    [(run_id, status, trigger, delivery_id, failed_step, error)] = _history()
    assert (run_id, status, trigger, delivery_id) == (run.run_id, "failed", "sensor", "2026-11-29T0600")
    assert failed_step == "resolve_step"
    assert "ConversionException" in error and "Could not convert string" in error
    assert SECRET not in error


def test_recording_twice_keeps_one_row(empty_workspace):
    with dg.instance_for_test() as instance:
        run, _ = _failed_run(instance)
        record_failure(instance, run)
        record_failure(instance, run)
    assert len(_history()) == 1


def test_other_jobs_are_not_audited(empty_workspace):
    @dg.op
    def boom() -> None:
        raise RuntimeError("unrelated")

    @dg.job(name="some_other_job")
    def other() -> None:
        boom()

    with dg.instance_for_test() as instance:
        result = other.execute_in_process(instance=instance, raise_on_error=False)
        run = instance.get_run_by_id(result.run_id)
        failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE][0]
        context = dg.build_run_status_sensor_context(
            sensor_name=AUDIT_SENSOR_NAME, dagster_event=failure, dagster_instance=instance, dagster_run=run
        ).for_run_failure()
        run_failure_audit(context)
    assert not empty_workspace.work_db.exists()


def test_safe_error_line_masks_every_quoted_value_but_keeps_names():
    error = SerializableErrorInfo(
        message='Binder Error: column "dob" value \'01/02/2003\' and "Smith" in "raw.crime_person"\nsecond line',
        stack=[],
        cls_name="BinderException",
    )
    line = safe_error_line(error)
    assert line == "BinderException: Binder Error: column \"dob\" value '<value>' and '<value>' in \"raw.crime_person\""
