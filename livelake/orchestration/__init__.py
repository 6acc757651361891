"""Running the daily stages from a scheduler: in-process on local Spark or via spark-submit.

Airflow DAGs (`dags/`), `livelake backfill` and the spark-submit entry file all go through
`livelake.orchestration.tasks.execute_stage`, so a stage runs, is recorded and fails the same
way whoever starts it.
"""
