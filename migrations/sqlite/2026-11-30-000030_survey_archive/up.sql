-- Surveys that have answers are archived instead of deleted (issue 14): closed for answers,
-- invitations and reminders, kept with their results.
ALTER TABLE surveys ADD COLUMN archived_at TIMESTAMP NULL;
