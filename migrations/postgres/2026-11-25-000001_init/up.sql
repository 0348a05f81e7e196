-- PostgreSQL schema. Its twin in ../../sqlite must stay column-for-column identical
-- because both backends share one diesel schema (src/db/schema.rs).
CREATE TABLE organisations (
    id SERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    signatory_name TEXT NOT NULL,
    signatory_title TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'trainer')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation ON users(organisation_id);

CREATE TABLE api_tokens (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE locations (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    UNIQUE (organisation_id, name)
);

CREATE TABLE courses (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, code)
);

CREATE TABLE course_modules (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    mandatory BOOLEAN NOT NULL
);
CREATE INDEX course_modules_course ON course_modules(course_id);

CREATE TABLE course_runs (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    place TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    interpreter_languages TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX course_runs_course ON course_runs(course_id);

CREATE TABLE training_sessions (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    location_id INTEGER REFERENCES locations(id),
    trainer_id INTEGER REFERENCES users(id),
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX training_sessions_run ON training_sessions(run_id);
CREATE INDEX training_sessions_trainer ON training_sessions(trainer_id, starts_at);

CREATE TABLE session_modules (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    module_id INTEGER NOT NULL REFERENCES course_modules(id),
    PRIMARY KEY (session_id, module_id)
);

CREATE TABLE participants (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    preferred_language TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    consent_date DATE NOT NULL,
    consent_recorded_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX participants_organisation ON participants(organisation_id, family_name);

CREATE TABLE enrollments (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (run_id, participant_id)
);

CREATE TABLE attendance (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    marked_by INTEGER NOT NULL REFERENCES users(id),
    marked_at TIMESTAMP NOT NULL,
    UNIQUE (session_id, participant_id)
);

CREATE TABLE attendance_marks (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    status TEXT NOT NULL,
    marked_by INTEGER NOT NULL REFERENCES users(id),
    marked_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_marks_session ON attendance_marks(session_id, participant_id);

CREATE TABLE signing_keys (
    id SERIAL PRIMARY KEY,
    kid INTEGER NOT NULL UNIQUE,
    organisation_id INTEGER REFERENCES organisations(id),
    algorithm TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    compromised_at TIMESTAMP
);

CREATE TABLE certificates (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    code TEXT NOT NULL UNIQUE,
    kid INTEGER NOT NULL,
    token TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    course_code TEXT NOT NULL,
    course_title TEXT NOT NULL,
    completion_date DATE NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by INTEGER REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'replaced')),
    revoked_at TIMESTAMP,
    revocation_reason TEXT,
    replaced_by_id INTEGER REFERENCES certificates(id)
);
CREATE UNIQUE INDEX certificates_one_valid ON certificates(participant_id, run_id) WHERE status = 'valid';
CREATE INDEX certificates_run ON certificates(run_id);

CREATE TABLE mail_outbox (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations(id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    attachment_name TEXT,
    attachment_mime TEXT,
    attachment BYTEA,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);

CREATE TABLE audit_log (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations(id),
    actor_user_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_organisation ON audit_log(organisation_id, created_at);
