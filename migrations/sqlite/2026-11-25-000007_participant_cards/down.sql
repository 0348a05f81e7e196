DROP INDEX participants_card_code;
ALTER TABLE participants DROP COLUMN card_code;
