-- The code on a participant's personal check-in card (random, not personal data).
ALTER TABLE participants ADD COLUMN card_code TEXT;
CREATE UNIQUE INDEX participants_card_code ON participants(card_code);
