-- Sign-in accounts and the audit log (who signed in, uploaded, replaced, deleted or
-- exported what, and when).
CREATE TABLE users (
    username       VARCHAR PRIMARY KEY,
    password_hash  VARCHAR NOT NULL,          -- argon2id, never the password itself
    role           VARCHAR NOT NULL CHECK (role IN ('viewer', 'analyst', 'evaluator', 'admin')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    password_set_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled       BOOLEAN NOT NULL DEFAULT false
);

CREATE SEQUENCE audit_log_id START 1;

CREATE TABLE audit_log (
    id           BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id'),
    ts           TIMESTAMPTZ NOT NULL DEFAULT now(),
    username     VARCHAR,                     -- who acted (NULL: an unknown visitor)
    action       VARCHAR NOT NULL,            -- sign-in, sign-in-failure, upload, delete, ...
    target       VARCHAR,                     -- what it acted on: a dataset, a user, a file
    detail       VARCHAR,
    remote_addr  VARCHAR                      -- the client's address, for dashboard actions
);
CREATE INDEX audit_log_ts ON audit_log (ts);
