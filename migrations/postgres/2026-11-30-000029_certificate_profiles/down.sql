DROP TABLE certificate_profiles;
