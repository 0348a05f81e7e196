DROP INDEX certificates_erased;
