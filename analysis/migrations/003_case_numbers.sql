-- Analysis schema step 003 (until the analysis kept its own migrations: the store's step 022).
-- A number per case (its rank by case_id within the dataset) on the derived tables, so
-- that selecting the instances of filtered cases is a semi-join on an integer rather than
-- on the case_id text. The rows are derived data: they are rebuilt on next use.
-- DuckDB refuses to commit a transaction that deletes rows and then alters the same table,
-- so the columns are added first.
ALTER TABLE analysis_instances ADD COLUMN case_no BIGINT;
ALTER TABLE analysis_pingpong ADD COLUMN case_no BIGINT;
ALTER TABLE analysis_cases ADD COLUMN case_no BIGINT;
DELETE FROM analysis_state;
DELETE FROM analysis_instances;
DELETE FROM analysis_pingpong;
DELETE FROM analysis_cases;
