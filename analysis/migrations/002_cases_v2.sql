-- Analysis schema step 002 (until the analysis kept its own migrations: the store's step 021).
-- analysis_cases carries the case columns every view reads (outcome, times, attributes) and
-- a variant key, so an unfiltered view reads one table and groups variants by a number.
-- The rows are derived data: the table is recreated empty and rebuilt on next use.
DROP TABLE analysis_cases;
DELETE FROM analysis_state;

CREATE TABLE analysis_cases (
    dataset                   VARCHAR NOT NULL,
    case_id                   VARCHAR NOT NULL,
    outcome                   VARCHAR NOT NULL,
    first_ts                  TIMESTAMPTZ NOT NULL,
    last_ts                   TIMESTAMPTZ NOT NULL,
    amount                    DOUBLE,
    product                   VARCHAR,
    branch                    VARCHAR,
    channel                   VARCHAR,
    instances                 BIGINT NOT NULL,
    activities                BIGINT NOT NULL,
    rework                    BOOLEAN NOT NULL,
    pingpong                  BOOLEAN NOT NULL,
    handoffs                  BIGINT NOT NULL,
    departments_touched       BIGINT NOT NULL,
    resources                 BIGINT NOT NULL,
    cost                      DOUBLE,          -- NULL when the profile has no costs
    cycle_time_hours          DOUBLE NOT NULL,
    cycle_time_working_hours  DOUBLE NOT NULL,
    events                    BIGINT NOT NULL,
    variant                   VARCHAR[] NOT NULL,  -- activities, instances by start
    variant_key               BIGINT NOT NULL      -- number of the variant in the dataset
);
