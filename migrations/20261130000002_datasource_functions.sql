-- The datasource's own functions (`name` or `schema.name`, comma-separated) an admin allowed
-- in queries, beyond the built-in allow-list of harmless functions.
ALTER TABLE datasources ADD COLUMN allowed_functions TEXT NOT NULL DEFAULT '';
