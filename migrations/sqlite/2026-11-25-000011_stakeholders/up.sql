-- Everyone a municipality asks before a training series: landlords, social workers,
-- housing companies and cooperatives, adult education centres, volunteers, the target
-- group. Only what reaching them needs; contact_consent gates every invitation by email.
CREATE TABLE stakeholders (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    stakeholder_group TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation_name TEXT,
    email TEXT,
    phone TEXT,
    preferred_language TEXT NOT NULL DEFAULT 'de',
    contact_consent BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX stakeholders_by_org_group ON stakeholders (organisation_id, stakeholder_group);
-- One contact per email address and organisation: a person gets one invitation per survey.
CREATE UNIQUE INDEX stakeholders_unique_email ON stakeholders (organisation_id, email);

-- Uploaded lists wait for confirmation in import_batches; the kind tells whose list it is.
ALTER TABLE import_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'participants';
