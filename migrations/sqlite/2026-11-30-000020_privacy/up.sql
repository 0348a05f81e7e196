-- Retention periods per organisation (issue 13). Defaults a municipality can defend and
-- change: participants' personal data 24 months after their last run ended, raw survey
-- answers 12 months after the survey closed, sent mail 30 days, audit entries 3 years.
ALTER TABLE organisations ADD COLUMN retention_participant_months INTEGER NOT NULL DEFAULT 24;
ALTER TABLE organisations ADD COLUMN retention_survey_months INTEGER NOT NULL DEFAULT 12;
ALTER TABLE organisations ADD COLUMN retention_mail_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE organisations ADD COLUMN retention_audit_years INTEGER NOT NULL DEFAULT 3;

-- An erased participant keeps an empty row, so attendance and reports still count them.
ALTER TABLE participants ADD COLUMN erased_at TIMESTAMP NULL;
ALTER TABLE stakeholders ADD COLUMN erased_at TIMESTAMP NULL;

-- A certificate whose holder was erased is a tombstone: holder_name and token are emptied,
-- name_hmac keeps an HMAC of the normalised name under the organisation's secret.
ALTER TABLE certificates ADD COLUMN name_hmac TEXT NULL;
ALTER TABLE certificates ADD COLUMN erased_at TIMESTAMP NULL;

-- Whom a mail is about, so erasure and access requests find it.
ALTER TABLE mail_outbox ADD COLUMN participant_id INTEGER NULL;
ALTER TABLE mail_outbox ADD COLUMN stakeholder_id INTEGER NULL;
CREATE INDEX mail_outbox_participant ON mail_outbox(participant_id);
CREATE INDEX mail_outbox_stakeholder ON mail_outbox(stakeholder_id);

-- Whom an audit entry is about (the entity may be a session or an enrolment).
ALTER TABLE audit_log ADD COLUMN participant_id INTEGER NULL;
ALTER TABLE audit_log ADD COLUMN stakeholder_id INTEGER NULL;
CREATE INDEX audit_log_participant ON audit_log(participant_id);
CREATE INDEX audit_log_stakeholder ON audit_log(stakeholder_id);

-- Consent given or withdrawn, for a participant or a stakeholder contact.
CREATE TABLE consent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    participant_id INTEGER NULL REFERENCES participants(id),
    stakeholder_id INTEGER NULL REFERENCES stakeholders(id),
    kind TEXT NOT NULL,
    given BOOLEAN NOT NULL,
    recorded_by INTEGER NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX consent_events_participant ON consent_events(participant_id);
CREATE INDEX consent_events_stakeholder ON consent_events(stakeholder_id);

-- What was erased, when, why and by whom (the reason is chosen from a list, never free text
-- about the person).
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    subject TEXT NOT NULL,
    subject_id INTEGER NULL,
    reason TEXT NOT NULL,
    erased_by INTEGER NULL REFERENCES users(id),
    erased_at TIMESTAMP NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX erasures_org ON erasures(organisation_id, erased_at);

-- A daily job runs once per day across replicas: the first to insert the day's row runs it.
CREATE TABLE job_runs (
    name TEXT NOT NULL,
    day DATE NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NULL,
    PRIMARY KEY (name, day)
);
