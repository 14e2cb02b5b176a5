CREATE TABLE shelves (
    id       INTEGER PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    capacity INTEGER NOT NULL,
    version  INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE boxes (
    id       INTEGER PRIMARY KEY,
    shelf_id INTEGER NOT NULL REFERENCES shelves (id),
    label    TEXT NOT NULL,
    ref      TEXT UNIQUE
);
