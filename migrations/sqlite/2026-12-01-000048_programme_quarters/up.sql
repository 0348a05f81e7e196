-- Issue 18: a programme's figures of a quarter, frozen the first time they are shown after
-- the quarter ended. Published figures never change afterwards (a member leaving, a late
-- correction), so two views of one quarter cannot be subtracted to uncover a held-back
-- count. Counts per member only: nothing about a person.
CREATE TABLE programme_quarters (
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    starts_on DATE NOT NULL,
    frozen_at TIMESTAMP NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (programme_id, starts_on)
);
