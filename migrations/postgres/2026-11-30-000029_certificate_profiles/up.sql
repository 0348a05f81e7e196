-- Issue 14: what an organisation prints on its certificates besides its name and images
-- (the issuer's postal address and contact), and the approval of a sample certificate. The
-- approval holds a fingerprint of every setting it saw (names, images, address, contact): a
-- later change of any of them no longer matches, which withdraws the approval.
CREATE TABLE certificate_profiles (
    organisation_id INTEGER PRIMARY KEY NOT NULL REFERENCES organisations(id),
    issuer_address TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_website TEXT NOT NULL DEFAULT '',
    approved_fingerprint TEXT,
    approved_at TIMESTAMP,
    approved_by INTEGER REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
