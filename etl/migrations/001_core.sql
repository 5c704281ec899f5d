-- The core event store: datasets, events, activity instances, cases, rejects.
CREATE TABLE datasets (
    name                VARCHAR PRIMARY KEY,
    source              VARCHAR,
    source_format       VARCHAR,
    layout              VARCHAR,        -- 'events' or 'instances'
    profile             JSON,           -- the profile in force, with the mapping used
    loaded_at           TIMESTAMPTZ,
    rows_read           BIGINT,
    events              BIGINT,
    activity_instances  BIGINT,
    cases               BIGINT,
    rejected            BIGINT,
    duplicates          BIGINT
);

CREATE TABLE events (
    dataset      VARCHAR NOT NULL,
    event_id     BIGINT NOT NULL,       -- order of the event in the source, per dataset
    case_id      VARCHAR NOT NULL,
    activity     VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    lifecycle    VARCHAR,               -- lower case: start, complete, schedule, ...
    resource     VARCHAR,
    department   VARCHAR,
    attributes   JSON                   -- the source's other event attributes
);

CREATE TABLE activity_instances (
    dataset      VARCHAR NOT NULL,
    instance_id  BIGINT NOT NULL,
    case_id      VARCHAR NOT NULL,
    activity     VARCHAR NOT NULL,
    department   VARCHAR,
    resource     VARCHAR,
    start_ts     TIMESTAMPTZ NOT NULL,
    end_ts       TIMESTAMPTZ            -- NULL: an open instance (started, never completed)
);

CREATE TABLE cases (
    dataset      VARCHAR NOT NULL,
    case_id      VARCHAR NOT NULL,
    outcome      VARCHAR NOT NULL,      -- approved, rejected, withdrawn or open
    first_ts     TIMESTAMPTZ NOT NULL,
    last_ts      TIMESTAMPTZ NOT NULL,
    amount       DOUBLE,                -- common case attributes, NULL when absent
    product      VARCHAR,
    branch       VARCHAR,
    channel      VARCHAR,
    attributes   JSON                   -- every case attribute, as loaded
);

CREATE TABLE rejects (
    dataset      VARCHAR NOT NULL,
    source_row   BIGINT,
    raw_row      VARCHAR,
    reason       VARCHAR NOT NULL
);
