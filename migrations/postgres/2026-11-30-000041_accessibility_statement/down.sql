DROP TABLE accessibility_feedback;
DROP TABLE accessibility_statements;
