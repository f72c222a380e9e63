-- +goose Up
-- A product is the unit of import, generation and publishing, so its
-- variants and images are kept with it as JSON (always read together);
-- counts and SKUs are copied out for lists and search.
CREATE TABLE products (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    source           TEXT NOT NULL,
    external_id      TEXT NOT NULL DEFAULT '',
    handle           TEXT NOT NULL,
    title            TEXT NOT NULL DEFAULT '',
    body_html        TEXT NOT NULL DEFAULT '',
    body_text        TEXT NOT NULL DEFAULT '',
    vendor           TEXT NOT NULL DEFAULT '',
    product_type     TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '[]',
    status           TEXT NOT NULL DEFAULT 'active',
    published        TEXT NOT NULL DEFAULT '',
    options          TEXT NOT NULL DEFAULT '[]',
    seo_title        TEXT NOT NULL DEFAULT '',
    seo_description  TEXT NOT NULL DEFAULT '',
    metadata         TEXT NOT NULL DEFAULT '{}',
    variants         TEXT NOT NULL DEFAULT '[]',
    images           TEXT NOT NULL DEFAULT '[]',
    variant_count    INTEGER NOT NULL DEFAULT 0,
    image_count      INTEGER NOT NULL DEFAULT 0,
    skus             TEXT NOT NULL DEFAULT '',
    content_hash     TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (brand_id, source, handle)
);
CREATE INDEX products_brand_id ON products(brand_id, id);

CREATE VIRTUAL TABLE products_fts USING fts5(
    title, body_text, vendor, product_type, tags, skus, handle,
    content='products', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', detail='none'
);
-- +goose StatementBegin
CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
    INSERT INTO products_fts(rowid, title, body_text, vendor, product_type, tags, skus, handle)
    VALUES (new.rowid, new.title, new.body_text, new.vendor, new.product_type, new.tags, new.skus, new.handle);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, title, body_text, vendor, product_type, tags, skus, handle)
    VALUES ('delete', old.rowid, old.title, old.body_text, old.vendor, old.product_type, old.tags, old.skus, old.handle);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_fts_au AFTER UPDATE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, title, body_text, vendor, product_type, tags, skus, handle)
    VALUES ('delete', old.rowid, old.title, old.body_text, old.vendor, old.product_type, old.tags, old.skus, old.handle);
    INSERT INTO products_fts(rowid, title, body_text, vendor, product_type, tags, skus, handle)
    VALUES (new.rowid, new.title, new.body_text, new.vendor, new.product_type, new.tags, new.skus, new.handle);
END;
-- +goose StatementEnd

CREATE TABLE imports (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    user_id          TEXT REFERENCES users(id) ON DELETE SET NULL,
    filename         TEXT NOT NULL,
    format           TEXT NOT NULL,
    column_map       TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    bytes_read       INTEGER NOT NULL DEFAULT 0,
    lines_read       INTEGER NOT NULL DEFAULT 0,
    products_created INTEGER NOT NULL DEFAULT 0,
    products_updated INTEGER NOT NULL DEFAULT 0,
    products_unchanged INTEGER NOT NULL DEFAULT 0,
    variants         INTEGER NOT NULL DEFAULT 0,
    images           INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    -- Resume point: products starting before this line are done.
    checkpoint_line  INTEGER NOT NULL DEFAULT 0,
    -- Lease: the worker holding it renews heartbeat_at; a stale lease may be taken over.
    lease_owner      TEXT NOT NULL DEFAULT '',
    heartbeat_at     TIMESTAMP,
    run              INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP
);
CREATE INDEX imports_brand ON imports(brand_id, created_at);
CREATE INDEX imports_status ON imports(status);

-- The uploaded file, in chunks, so any worker process can read it; deleted when the import ends.
CREATE TABLE import_chunks (
    import_id  TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_rejects (
    import_id  TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (import_id, line, reason)
);

-- +goose Down
DROP TABLE import_rejects;
DROP TABLE import_chunks;
DROP TABLE imports;
DROP TRIGGER products_fts_au;
DROP TRIGGER products_fts_ad;
DROP TRIGGER products_fts_ai;
DROP TABLE products_fts;
DROP TABLE products;
