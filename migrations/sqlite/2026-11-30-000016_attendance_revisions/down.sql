ALTER TABLE attendance DROP COLUMN revision;
