-- Pre-surveys of stakeholders. Audience and per-question groups are comma-separated group
-- codes (stakeholders.stakeholder_group); options are JSON arrays of labels.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    introduction TEXT NOT NULL DEFAULT '',
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    audience TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    course_id INTEGER REFERENCES courses(id),
    reminder_max INTEGER NOT NULL DEFAULT 2,
    reminder_interval_days INTEGER NOT NULL DEFAULT 7,
    -- Groups that may answer through the open link (no personal token).
    open_groups TEXT NOT NULL DEFAULT '',
    open_token TEXT NOT NULL,
    copied_from INTEGER REFERENCES surveys(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX surveys_open_token ON surveys (open_token);
CREATE INDEX surveys_by_org ON surveys (organisation_id);

-- Title and introduction in another language than German.
CREATE TABLE survey_translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    introduction TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX survey_translations_unique ON survey_translations (survey_id, language);

CREATE TABLE survey_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    help TEXT NOT NULL DEFAULT '',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    -- Empty: every group of the audience sees the question.
    groups TEXT NOT NULL DEFAULT '',
    options_json TEXT NOT NULL DEFAULT '[]',
    min_value INTEGER,
    max_value INTEGER,
    max_length INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX survey_questions_by_survey ON survey_questions (survey_id, position);

-- Question text and option labels in another language (same number of options).
CREATE TABLE survey_question_translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    question_id INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX survey_question_translations_unique ON survey_question_translations (question_id, language);

-- One personal link per contact and survey. For anonymous surveys the invitation only
-- records that its contact has answered (the day, not the time): no response points back.
CREATE TABLE survey_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    stakeholder_id INTEGER NOT NULL REFERENCES stakeholders(id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    sent_at TIMESTAMP,
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    last_sent_at TIMESTAMP,
    answered_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX survey_invitations_token ON survey_invitations (token);
CREATE UNIQUE INDEX survey_invitations_unique ON survey_invitations (survey_id, stakeholder_id);

-- Answers saved to continue later, by the link that was used (invitation token or the
-- resume token of an open-link respondent); deleted when the response is submitted.
CREATE TABLE survey_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    stakeholder_group TEXT NOT NULL,
    language TEXT NOT NULL,
    answers_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX survey_drafts_token ON survey_drafts (token);

-- Submitted responses. invitation_id stays empty for anonymous surveys and open links;
-- only the day is kept, so the order of answers cannot be matched to invitations either.
CREATE TABLE survey_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    invitation_id INTEGER REFERENCES survey_invitations(id) ON DELETE SET NULL,
    stakeholder_group TEXT NOT NULL,
    language TEXT NOT NULL,
    submitted_on DATE NOT NULL
);
CREATE INDEX survey_responses_by_survey ON survey_responses (survey_id, stakeholder_group);
CREATE UNIQUE INDEX survey_responses_one_per_invitation ON survey_responses (invitation_id);

-- One answer per question: JSON (option index, list of indices, number, text, or module ids
-- in ranked order).
CREATE TABLE survey_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    value_json TEXT NOT NULL
);
CREATE INDEX survey_answers_by_question ON survey_answers (question_id);
CREATE UNIQUE INDEX survey_answers_unique ON survey_answers (response_id, question_id);
