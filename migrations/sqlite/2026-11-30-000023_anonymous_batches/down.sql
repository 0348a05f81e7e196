DROP TABLE survey_result_summaries;
DROP TABLE survey_pending_answers;
