-- The stakeholder groups a survey asks, those answering through its open link, and those
-- a question is limited to become rows (one per group, in the order chosen) instead of
-- comma-separated columns. Existing lists move over: split on commas, blanks trimmed,
-- lower case as the app stores codes, empty parts dropped, each group once.
CREATE TABLE survey_audience (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    stakeholder_group TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (survey_id, stakeholder_group)
);
CREATE INDEX survey_audience_group ON survey_audience (organisation_id, stakeholder_group);

-- Open-link groups are always among the groups asked.
CREATE TABLE survey_open_groups (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    survey_id INTEGER NOT NULL,
    stakeholder_group TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (survey_id, stakeholder_group),
    FOREIGN KEY (survey_id, stakeholder_group)
        REFERENCES survey_audience (survey_id, stakeholder_group) ON DELETE CASCADE
);

CREATE TABLE survey_question_groups (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    question_id INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    stakeholder_group TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (question_id, stakeholder_group)
);

INSERT INTO survey_audience (organisation_id, survey_id, stakeholder_group, position)
SELECT s.organisation_id, s.id, lower(trim(part.item)), min(part.position)::INTEGER
FROM surveys s,
     unnest(string_to_array(s.audience, ',')) WITH ORDINALITY AS part (item, position)
WHERE trim(part.item) <> ''
GROUP BY s.organisation_id, s.id, lower(trim(part.item));

INSERT INTO survey_open_groups (organisation_id, survey_id, stakeholder_group, position)
SELECT s.organisation_id, s.id, lower(trim(part.item)), min(part.position)::INTEGER
FROM surveys s,
     unnest(string_to_array(s.open_groups, ',')) WITH ORDINALITY AS part (item, position)
WHERE trim(part.item) <> ''
  AND EXISTS (SELECT 1 FROM survey_audience a
              WHERE a.survey_id = s.id AND a.stakeholder_group = lower(trim(part.item)))
GROUP BY s.organisation_id, s.id, lower(trim(part.item));

INSERT INTO survey_question_groups (organisation_id, question_id, stakeholder_group, position)
SELECT s.organisation_id, q.id, lower(trim(part.item)), min(part.position)::INTEGER
FROM survey_questions q
     JOIN surveys s ON s.id = q.survey_id,
     unnest(string_to_array(q.groups, ',')) WITH ORDINALITY AS part (item, position)
WHERE trim(part.item) <> ''
GROUP BY s.organisation_id, q.id, lower(trim(part.item));

ALTER TABLE surveys DROP COLUMN audience;
ALTER TABLE surveys DROP COLUMN open_groups;
ALTER TABLE survey_questions DROP COLUMN groups;
