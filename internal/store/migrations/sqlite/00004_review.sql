-- +goose Up
-- A regeneration carries the reviewer's instruction to the writer.
ALTER TABLE generations ADD COLUMN instruction TEXT NOT NULL DEFAULT '';

-- Every review action, append-only: the evidence learning reads. user_id
-- is not a foreign key so deleting a user can only blank it (the one update
-- the trigger below allows).
CREATE TABLE signals (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    draft_id      TEXT NOT NULL,
    product_id    TEXT NOT NULL,
    channel       TEXT NOT NULL,
    field         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    before_value  TEXT NOT NULL DEFAULT '',
    after_value   TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    user_id       TEXT,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX signals_brand ON signals(brand_id, created_at);
CREATE INDEX signals_draft ON signals(draft_id);

-- +goose StatementBegin
CREATE TRIGGER signals_append_only BEFORE UPDATE OF id, brand_id, draft_id, product_id, channel, field, kind,
    before_value, after_value, reason, created_at ON signals
BEGIN
    SELECT RAISE(ABORT, 'signals are append-only');
END;
-- +goose StatementEnd

-- What learning made of a brand's signals. key is the item's identity
-- (kind and normalised value), so relearning updates an item in place and
-- keeps the seller's edits and switches. evidence_since: signals before it
-- no longer count (set when the seller deletes an item).
CREATE TABLE memory_items (
    id              TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT '',
    line            TEXT NOT NULL,
    learned_line    TEXT NOT NULL,
    support         INTEGER NOT NULL DEFAULT 0,
    against         INTEGER NOT NULL DEFAULT 0,
    confidence      REAL NOT NULL DEFAULT 0,
    evidence        TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL DEFAULT 'learning',
    edited          INTEGER NOT NULL DEFAULT 0,
    evidence_since  TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (brand_id, key)
);

-- How far learning has read each brand's signals.
CREATE TABLE learn_state (
    brand_id      TEXT PRIMARY KEY REFERENCES brands(id) ON DELETE CASCADE,
    signals       INTEGER NOT NULL DEFAULT 0,
    last_signal   TEXT NOT NULL DEFAULT '',
    learned_at    TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE learn_state;
DROP TABLE memory_items;
DROP TRIGGER signals_append_only;
DROP TABLE signals;
ALTER TABLE generations DROP COLUMN instruction;
