-- How often a certificate was checked per day: counts and dates only, nothing about who checked.
CREATE TABLE certificate_checks (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    day DATE NOT NULL,
    checks INTEGER NOT NULL,
    PRIMARY KEY (certificate_id, day)
);
