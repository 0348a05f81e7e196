DROP TABLE survey_answers;
DROP TABLE survey_responses;
DROP TABLE survey_drafts;
DROP TABLE survey_invitations;
DROP TABLE survey_question_translations;
DROP TABLE survey_questions;
DROP TABLE survey_translations;
DROP TABLE surveys;
