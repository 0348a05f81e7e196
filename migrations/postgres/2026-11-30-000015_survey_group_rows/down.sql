ALTER TABLE surveys ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE surveys ADD COLUMN open_groups TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_questions ADD COLUMN groups TEXT NOT NULL DEFAULT '';

UPDATE surveys SET
    audience = coalesce((
        SELECT string_agg(stakeholder_group, ',' ORDER BY position)
        FROM survey_audience g WHERE g.survey_id = surveys.id
    ), ''),
    open_groups = coalesce((
        SELECT string_agg(stakeholder_group, ',' ORDER BY position)
        FROM survey_open_groups g WHERE g.survey_id = surveys.id
    ), '');
UPDATE survey_questions SET groups = coalesce((
    SELECT string_agg(stakeholder_group, ',' ORDER BY position)
    FROM survey_question_groups g WHERE g.question_id = survey_questions.id
), '');

DROP TABLE survey_question_groups;
DROP TABLE survey_open_groups;
DROP TABLE survey_audience;
