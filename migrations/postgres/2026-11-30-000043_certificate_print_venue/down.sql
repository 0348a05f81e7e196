ALTER TABLE certificate_prints DROP COLUMN issuer_seat;
ALTER TABLE certificate_prints DROP COLUMN venue_phrase;
