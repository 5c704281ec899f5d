-- What-if predictions kept in the store, so a prediction made before a redesign can be
-- checked against what happened once it is live, from any browser or the command line,
-- by whoever checks it. `trained_on` names the dataset the model was discovered from; it is
-- not a `dataset` column on purpose: a prediction is a record of what was said, and stays
-- when that dataset is replaced or dropped.
CREATE TABLE predictions (
    id          VARCHAR PRIMARY KEY,      -- p-<12 hex digits>, or the dashboard job's own id
    trained_on  VARCHAR NOT NULL,
    scenario    VARCHAR,                  -- the scenario's name (NULL: the process as it is)
    runs        INTEGER NOT NULL,
    made_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    made_by     VARCHAR,                  -- the signed-in user, alice@cli, or NULL
    report      JSON NOT NULL             -- `loanflow simulate --json`'s document
);
CREATE INDEX predictions_trained_on ON predictions (trained_on);
