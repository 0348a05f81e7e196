ALTER TABLE import_batches DROP COLUMN kind;
DROP TABLE stakeholders;
