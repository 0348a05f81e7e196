-- Issue 14, correcting the plan. What history needs can be archived instead of deleted:
-- archived courses, runs and places leave the lists and choices and can be restored.
ALTER TABLE courses ADD COLUMN archived_at TIMESTAMP;
ALTER TABLE course_runs ADD COLUMN archived_at TIMESTAMP;
ALTER TABLE locations ADD COLUMN archived_at TIMESTAMP;

-- What an issued certificate prints of its run, frozen when it is issued, so that a later
-- correction of the plan never changes an issued certificate. Certificates issued before
-- this migration take their run's dates and place now; their modules are frozen
-- (modules_frozen) before the first correction that could change them.
CREATE TABLE certificate_prints (
    certificate_id INTEGER PRIMARY KEY NOT NULL REFERENCES certificates(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_start DATE NOT NULL,
    run_end DATE NOT NULL,
    place TEXT NOT NULL,
    modules_frozen BOOLEAN NOT NULL
);
INSERT INTO certificate_prints (certificate_id, organisation_id, run_start, run_end, place,
                                modules_frozen)
    SELECT c.id, c.organisation_id, r.start_date, r.end_date, r.place, FALSE
    FROM certificates c JOIN course_runs r ON r.id = c.run_id;

-- The modules an issued certificate lists (those the holder attended), as printed: title,
-- first day, length. module_id names the module it came from; the module may change since.
CREATE TABLE certificate_modules (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    position INTEGER NOT NULL,
    module_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    first_day DATE NOT NULL,
    duration_minutes INTEGER NOT NULL
);
CREATE INDEX certificate_modules_certificate ON certificate_modules(certificate_id, position);
