ALTER TABLE certificate_profiles DROP COLUMN venue_phrase;
ALTER TABLE certificate_profiles DROP COLUMN issuer_seat;
