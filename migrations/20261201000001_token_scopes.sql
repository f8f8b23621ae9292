-- What each personal token may be used for (space-separated scopes: schema sql ask manage)
-- and, when not NULL, the only datasources it reaches (a JSON array of ids). Tokens made
-- before scopes existed keep doing everything their user may.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'schema sql ask manage';
ALTER TABLE api_tokens ADD COLUMN datasource_ids TEXT;
