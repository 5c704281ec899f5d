-- Analysis schema step 001 (until the analysis kept its own migrations: the store's step 020).
-- Per-dataset derivations the analysis builds once and reads many times
-- (analysis/prepared_tables.py).
-- Rows are keyed by dataset; analysis_state records the fingerprint of the dataset they were
-- built from (its load time, row counts and profile). When a dataset is replaced, appended
-- to or dropped, its fingerprint changes or disappears and the rows are rebuilt or removed
-- on next use, so they never go stale.
CREATE TABLE analysis_state (
    dataset      VARCHAR NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    built_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE analysis_instances (
    dataset          VARCHAR NOT NULL,
    case_id          VARCHAR NOT NULL,
    instance_id      BIGINT NOT NULL,
    activity         VARCHAR NOT NULL,
    department       VARCHAR,
    resource         VARCHAR,
    start_ts         TIMESTAMPTZ NOT NULL,
    end_ts           TIMESTAMPTZ,
    seq              BIGINT NOT NULL,      -- position in the case, instances by start
    is_last          BOOLEAN NOT NULL,     -- the case's last instance (latest end)
    pred_id          BIGINT,               -- the predecessor (DESIGN.md, Definitions)
    pred_activity    VARCHAR,
    pred_department  VARCHAR,
    pred_end_ts      TIMESTAMPTZ,
    wait_s           DOUBLE,               -- start - predecessor's end
    proc_s           DOUBLE,               -- end - start; NULL when open
    handoff          BOOLEAN NOT NULL,     -- department differs from the predecessor's
    wait_work_s      DOUBLE,               -- the same two in working seconds
    proc_work_s      DOUBLE,
    first_of_activity BOOLEAN NOT NULL,    -- first instance of its activity in the case
    first_of_edge    BOOLEAN NOT NULL,     -- first (pred_activity, activity) in the case
    first_of_handoff BOOLEAN NOT NULL      -- first handoff of its department pair in the case
);

CREATE TABLE analysis_pingpong (
    dataset          VARCHAR NOT NULL,
    case_id          VARCHAR NOT NULL,
    from_department  VARCHAR NOT NULL,     -- X then Y then X: counted for X->Y and Y->X
    to_department    VARCHAR NOT NULL
);

CREATE TABLE analysis_cases (
    dataset                   VARCHAR NOT NULL,
    case_id                   VARCHAR NOT NULL,
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
    variant                   VARCHAR[] NOT NULL  -- activities, instances by start
);
