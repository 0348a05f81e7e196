-- Start-up looks for organisations with erased certificates (their name secret must
-- exist); without this index that read scanned every certificate at each start.
CREATE INDEX certificates_erased ON certificates(organisation_id) WHERE erased_at IS NOT NULL;
