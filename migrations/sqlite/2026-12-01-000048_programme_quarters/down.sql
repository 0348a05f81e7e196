DROP TABLE programme_quarters;
