DROP TABLE certificate_checks;
