-- Server-side sign-in sessions: the cookie carries a random token, the store its hash, so a
-- session ends at once (sign-out, new password, role change, disabled or removed user) and
-- a saved cookie is worthless afterwards. Audit rows gain a repeat count: repeated
-- refusals of one client are one row, not thousands.
CREATE TABLE sessions (
    token_hash      VARCHAR PRIMARY KEY,      -- sha256 of the cookie's token, never the token
    username        VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,         -- the role signed in with
    password_set_at TIMESTAMPTZ NOT NULL,     -- the password signed in with
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    remote_addr     VARCHAR,
    ended_at        TIMESTAMPTZ,
    ended_why       VARCHAR                   -- sign-out, password, role, disabled, removed
);
CREATE INDEX sessions_user ON sessions (username);

ALTER TABLE audit_log ADD COLUMN repeats INTEGER DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_ts TIMESTAMPTZ;
