-- The course title in the participant's language as the certificate printed it, frozen at
-- issue like its place, with the language it is in: a later change of the translation
-- never changes an issued certificate. NULL: none was printed. Blanked on erasure.
ALTER TABLE certificate_prints ADD COLUMN title_language TEXT;
ALTER TABLE certificate_prints ADD COLUMN course_title_translated TEXT;
