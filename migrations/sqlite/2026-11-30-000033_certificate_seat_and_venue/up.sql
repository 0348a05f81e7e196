-- Where the certificate says it was issued ("Altenburg, den ...") and how it names the
-- venue ("an der Volkshochschule Altenburg"): typed by the coordinator, never guessed.
ALTER TABLE certificate_profiles ADD COLUMN issuer_seat TEXT NOT NULL DEFAULT '';
ALTER TABLE certificate_profiles ADD COLUMN venue_phrase TEXT NOT NULL DEFAULT '';
