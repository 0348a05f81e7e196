DROP TABLE organisation_images;
DROP TABLE certificate_batches;
