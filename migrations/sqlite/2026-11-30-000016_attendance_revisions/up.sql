-- The current mark's revision: how often it changed, so a client that saw an older one
-- cannot overwrite a newer mark. Existing marks start at the number of history rows.
ALTER TABLE attendance ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
UPDATE attendance SET revision = MAX(1, (
    SELECT COUNT(*) FROM attendance_marks m
    WHERE m.session_id = attendance.session_id AND m.participant_id = attendance.participant_id
));
