-- The seat and venue phrase a certificate printed, frozen at issue like its place: a later
-- change of the settings never changes an issued certificate. NULL: issued before these
-- settings existed, so it prints "in <place>" and the place before the date, as it did.
ALTER TABLE certificate_prints ADD COLUMN venue_phrase TEXT;
ALTER TABLE certificate_prints ADD COLUMN issuer_seat TEXT;
