-- Issue 18: state programmes over the organisations. A programme sees only aggregates of
-- its members that chose to share them, and a library of course and survey templates.
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    funding_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Reporting periods are whole quarters and never overlap within a programme: every
-- published figure is a quarter or a period, so no two publications can be subtracted to
-- uncover a figure that was held back.
CREATE TABLE programme_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    label TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL
);
CREATE INDEX programme_periods_programme ON programme_periods (programme_id, starts_on);

-- One row per programme and organisation: invited, member, declined or left, and what the
-- organisation chose to share while it is a member.
CREATE TABLE programme_members (
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    share_figures BOOLEAN NOT NULL DEFAULT FALSE,
    share_templates BOOLEAN NOT NULL DEFAULT FALSE,
    invited_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    PRIMARY KEY (programme_id, organisation_id)
);
CREATE INDEX programme_members_org ON programme_members (organisation_id);

-- Accounts of the role 'programme' belong to a programme, not to an organisation. SQLite
-- cannot change a CHECK in place, so `users` is rebuilt (as in 000025).
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'trainer', 'referrer', 'programme')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    calendar_token TEXT,
    programme_id INTEGER REFERENCES programmes(id),
    CHECK ((role = 'programme') = (programme_id IS NOT NULL)),
    CHECK (role <> 'programme' OR organisation_id IS NULL)
);
INSERT INTO users_new (id, organisation_id, email, display_name, password_hash, role, active,
                       created_at, calendar_token)
    SELECT id, organisation_id, email, display_name, password_hash, role, active, created_at,
           calendar_token
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organisation ON users(organisation_id);
CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token);
CREATE INDEX users_programme ON users(programme_id);

-- The shared library: a member's course or survey as a versioned template (or one of the
-- programme's starter set, without an organisation). Each version keeps its content as
-- JSON, so a copy can show what changed since the version it was made from.
CREATE TABLE library_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    organisation_id INTEGER REFERENCES organisations(id),
    kind TEXT NOT NULL,
    source_id INTEGER,
    title TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
CREATE INDEX library_templates_programme ON library_templates (programme_id, kind);

CREATE TABLE library_versions (
    template_id INTEGER NOT NULL REFERENCES library_templates(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (template_id, version)
);

-- A copy in an organisation: which template and version it came from, and what it became.
CREATE TABLE library_copies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    template_id INTEGER NOT NULL REFERENCES library_templates(id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    copied_at TIMESTAMP NOT NULL
);
CREATE INDEX library_copies_org ON library_copies (organisation_id, template_id);
