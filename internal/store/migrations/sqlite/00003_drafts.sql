-- +goose Up
-- A generation is one request to write drafts for some products of a brand.
CREATE TABLE generations (
    id                   TEXT PRIMARY KEY,
    brand_id             TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    user_id              TEXT REFERENCES users(id) ON DELETE SET NULL,
    channel              TEXT NOT NULL,
    fields               TEXT NOT NULL,
    only_missing         INTEGER NOT NULL DEFAULT 0,
    provider             TEXT NOT NULL,
    model                TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    total                INTEGER NOT NULL DEFAULT 0,
    done                 INTEGER NOT NULL DEFAULT 0,
    failed               INTEGER NOT NULL DEFAULT 0,
    drafts               INTEGER NOT NULL DEFAULT 0,
    invalid              INTEGER NOT NULL DEFAULT 0,
    input_tokens         INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens        INTEGER NOT NULL DEFAULT 0,
    cost_usd             REAL NOT NULL DEFAULT 0,
    error                TEXT NOT NULL DEFAULT '',
    -- Batch mode: one provider batch for the whole generation.
    batch                INTEGER NOT NULL DEFAULT 0,
    batch_id             TEXT NOT NULL DEFAULT '',
    product_ids          TEXT NOT NULL DEFAULT '[]',
    created_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP
);
CREATE INDEX generations_brand ON generations(brand_id, created_at);

-- Every draft is a version; one per (product, channel, field) is current.
-- Source values stay in products: a draft never overwrites them.
CREATE TABLE drafts (
    id                   TEXT PRIMARY KEY,
    brand_id             TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    product_id           TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    generation_id        TEXT REFERENCES generations(id) ON DELETE SET NULL,
    channel              TEXT NOT NULL,
    field                TEXT NOT NULL,
    version              INTEGER NOT NULL,
    is_current           INTEGER NOT NULL DEFAULT 1,
    value                TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'draft',
    violations           TEXT NOT NULL DEFAULT '[]',
    ungrounded           TEXT NOT NULL DEFAULT '[]',
    repairs              TEXT NOT NULL DEFAULT '[]',
    provider             TEXT NOT NULL,
    model                TEXT NOT NULL,
    prompt_hash          TEXT NOT NULL,
    input_tokens         INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens        INTEGER NOT NULL DEFAULT 0,
    cost_usd             REAL NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    UNIQUE (product_id, channel, field, version)
);
CREATE INDEX drafts_brand_current ON drafts(brand_id, is_current, channel);
CREATE INDEX drafts_product ON drafts(product_id, channel, field, is_current);
-- A generation writes a field of a product once, however often its job runs.
CREATE UNIQUE INDEX drafts_generation_once ON drafts(generation_id, product_id, channel, field);

-- Each product a generation has handled, once: the guard that makes a
-- re-run job (after a crash, a retry) count nothing twice.
CREATE TABLE generation_products (
    generation_id  TEXT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
    product_id     TEXT NOT NULL,
    failed         INTEGER NOT NULL DEFAULT 0,
    finished_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (generation_id, product_id)
);

-- Usage per brand per month, for billing.
CREATE TABLE llm_usage (
    brand_id             TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    month                TEXT NOT NULL,
    provider             TEXT NOT NULL,
    requests             INTEGER NOT NULL DEFAULT 0,
    input_tokens         INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens        INTEGER NOT NULL DEFAULT 0,
    cost_usd             REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, month, provider)
);

-- +goose Down
DROP TABLE llm_usage;
DROP TABLE generation_products;
DROP TABLE drafts;
DROP TABLE generations;
