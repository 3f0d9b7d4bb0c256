"""Named schema migrations, applied in order and recorded in the database.

Times are whole seconds since the Unix epoch (UTC). Rows of closed segments, minutes,
screenshots and amendments are append-only: triggers refuse updates and deletes, so every
later change is a new amendment row (the signed diary turns each one into a signed record).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE contracts (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            client TEXT NOT NULL,
            rate_cents INTEGER NOT NULL CHECK (rate_cents >= 0),
            weekly_limit_minutes INTEGER NOT NULL DEFAULT 0 CHECK (weekly_limit_minutes >= 0),
            manual_allowed INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            contract_id INTEGER NOT NULL REFERENCES contracts(id),
            kind TEXT NOT NULL CHECK (kind IN ('tracked', 'manual')),
            start_at INTEGER NOT NULL,
            end_at INTEGER,
            memo TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            closed_at INTEGER,
            close_reason TEXT,
            CHECK (end_at IS NULL OR end_at >= start_at),
            CHECK (end_at IS NULL OR end_at <= start_at - start_at % 600 + 600)
        );
        CREATE INDEX segments_by_start ON segments(start_at);
        CREATE INDEX segments_open ON segments(closed_at) WHERE closed_at IS NULL;

        CREATE TABLE minutes (
            segment_id TEXT NOT NULL REFERENCES segments(id),
            start_at INTEGER NOT NULL CHECK (start_at % 60 = 0),
            keys INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            scrolls INTEGER NOT NULL,
            moves INTEGER NOT NULL,
            injected INTEGER NOT NULL,
            unavailable TEXT,
            PRIMARY KEY (segment_id, start_at)
        ) WITHOUT ROWID;

        CREATE TABLE screenshots (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            taken_at INTEGER NOT NULL,
            sha256 TEXT,
            path TEXT,
            thumb_path TEXT,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            monitors INTEGER NOT NULL DEFAULT 0,
            size_bytes INTEGER NOT NULL DEFAULT 0,
            blurred INTEGER NOT NULL DEFAULT 0,
            missing_reason TEXT,
            CHECK ((sha256 IS NULL) <> (missing_reason IS NULL))
        );
        CREATE INDEX screenshots_by_segment ON screenshots(segment_id);

        CREATE TABLE amendments (
            id INTEGER PRIMARY KEY,
            segment_id TEXT NOT NULL REFERENCES segments(id),
            made_at INTEGER NOT NULL,
            kind TEXT NOT NULL,
            memo TEXT,
            start_at INTEGER,
            end_at INTEGER,
            reason TEXT
        );
        CREATE INDEX amendments_by_segment ON amendments(segment_id);

        CREATE TABLE idle_periods (
            id INTEGER PRIMARY KEY,
            contract_id INTEGER NOT NULL REFERENCES contracts(id),
            start_at INTEGER NOT NULL,
            end_at INTEGER,
            detected_at INTEGER NOT NULL,
            resolution TEXT CHECK (resolution IN ('kept', 'discarded')),
            resolved_at INTEGER
        );

        CREATE TRIGGER closed_segments_never_change BEFORE UPDATE ON segments
        WHEN OLD.closed_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'closed segments never change: append an amendment'); END;
        CREATE TRIGGER segments_never_deleted BEFORE DELETE ON segments
        BEGIN SELECT RAISE(ABORT, 'segments are never deleted: append an amendment'); END;
        CREATE TRIGGER minutes_never_change BEFORE UPDATE ON minutes
        BEGIN SELECT RAISE(ABORT, 'minutes are append-only'); END;
        CREATE TRIGGER minutes_never_deleted BEFORE DELETE ON minutes
        BEGIN SELECT RAISE(ABORT, 'minutes are append-only'); END;
        CREATE TRIGGER screenshots_never_change BEFORE UPDATE ON screenshots
        BEGIN SELECT RAISE(ABORT, 'screenshots are append-only'); END;
        CREATE TRIGGER screenshots_never_deleted BEFORE DELETE ON screenshots
        BEGIN SELECT RAISE(ABORT, 'screenshots are append-only'); END;
        CREATE TRIGGER amendments_never_change BEFORE UPDATE ON amendments
        BEGIN SELECT RAISE(ABORT, 'amendments are append-only'); END;
        CREATE TRIGGER amendments_never_deleted BEFORE DELETE ON amendments
        BEGIN SELECT RAISE(ABORT, 'amendments are append-only'); END;
        CREATE TRIGGER resolved_idle_never_changes BEFORE UPDATE ON idle_periods
        WHEN OLD.resolution IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'resolved idle periods never change'); END;
        """,
    ),
    (
        "0002_amendment_screenshot",
        """
        ALTER TABLE amendments ADD COLUMN screenshot_sha256 TEXT;
        """,
    ),
    (
        # A contract the freelancer no longer works on leaves the pickers; its time stays.
        "0003_contract_archived",
        """
        ALTER TABLE contracts ADD COLUMN archived_at INTEGER;
        """,
    ),
    (
        # A contract that came from a marketplace: its records name the marketplace's id for it.
        "0004_contract_marketplace_id",
        """
        ALTER TABLE contracts ADD COLUMN marketplace_id TEXT;
        CREATE UNIQUE INDEX contracts_marketplace_id ON contracts(marketplace_id);
        """,
    ),
]
