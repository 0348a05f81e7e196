-- Issue 15: each organisation's accessibility statement (BITV 2.0 model text) and the
-- feedback sent through its form. The statement keeps only what differs per organisation:
-- the contact for accessibility, the state of conformity and what is not yet accessible.
CREATE TABLE accessibility_statements (
    organisation_id INTEGER PRIMARY KEY NOT NULL REFERENCES organisations(id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_address TEXT NOT NULL DEFAULT '',
    conformity TEXT NOT NULL DEFAULT 'partial',
    known_issues TEXT NOT NULL DEFAULT '',
    prepared_on DATE,
    updated_at TIMESTAMP NOT NULL
);

-- What a visitor wrote, and nothing about the visitor beyond what they chose to give:
-- no address, no browser, no session.
CREATE TABLE accessibility_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    sender_name TEXT,
    sender_email TEXT,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX accessibility_feedback_org ON accessibility_feedback (organisation_id, created_at);
