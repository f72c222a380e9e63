-- +goose Up
-- A brand's link to one store. Tokens live encrypted in secret_values,
-- bound to the connection and their purpose; this row holds only their ids.
CREATE TABLE connections (
    id                 TEXT PRIMARY KEY,
    brand_id           TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform           TEXT NOT NULL,
    account            TEXT NOT NULL,
    name               TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL,
    scopes             TEXT NOT NULL DEFAULT '[]',
    extra              TEXT NOT NULL DEFAULT '{}',
    access_secret_id   TEXT NOT NULL DEFAULT '',
    refresh_secret_id  TEXT NOT NULL DEFAULT '',
    token_expires_at   TIMESTAMPTZ,
    error              TEXT NOT NULL DEFAULT '',
    last_sync_at       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, platform)
);
CREATE INDEX connections_account ON connections(platform, account);

-- An authorization in progress: the state nonce the callback must carry
-- back, for 15 minutes. verifier_secret_id is Etsy's PKCE verifier, encrypted.
CREATE TABLE auth_states (
    state_hash          TEXT PRIMARY KEY,
    brand_id            TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform            TEXT NOT NULL,
    user_id             TEXT,
    shop                TEXT NOT NULL DEFAULT '',
    redirect_uri        TEXT NOT NULL,
    verifier_secret_id  TEXT NOT NULL DEFAULT '',
    expires_at          TIMESTAMPTZ NOT NULL
);

-- A catalog sync from a store: progress and the cursor to resume from.
CREATE TABLE syncs (
    id             TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    brand_id       TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    status         TEXT NOT NULL,
    total          INTEGER NOT NULL DEFAULT -1,
    done           INTEGER NOT NULL DEFAULT 0,
    created        INTEGER NOT NULL DEFAULT 0,
    updated        INTEGER NOT NULL DEFAULT 0,
    unchanged      INTEGER NOT NULL DEFAULT 0,
    cursor         TEXT NOT NULL DEFAULT '',
    error          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ
);
CREATE INDEX syncs_connection ON syncs(connection_id, created_at);

-- Every write to a store: the fields before and after, in order per
-- product (version), so any earlier value can be restored.
CREATE TABLE publications (
    id             TEXT PRIMARY KEY,
    brand_id       TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    product_id     TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL,
    draft_ids      TEXT NOT NULL DEFAULT '[]',
    fields         TEXT NOT NULL DEFAULT '{}',
    before_value   TEXT NOT NULL DEFAULT '{}',
    after_value    TEXT NOT NULL DEFAULT '{}',
    error          TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    user_id        TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    UNIQUE (product_id, connection_id, version)
);
CREATE INDEX publications_brand ON publications(brand_id, created_at);

-- Webhook deliveries seen, so a redelivery is handled once.
CREATE TABLE webhook_deliveries (
    platform     TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    topic        TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, delivery_id)
);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE publications;
DROP TABLE syncs;
DROP TABLE auth_states;
DROP TABLE connections;
