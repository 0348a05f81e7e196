DROP TABLE session_trainers;
