-- raw_anthropic_api_keys: current snapshot of GET /v1/organizations/api_keys (key names, creators, workspaces).
CREATE TABLE IF NOT EXISTS raw_anthropic_api_keys (
  api_key_id STRING NOT NULL,
  api_key_name STRING,
  workspace_id STRING OPTIONS (description = "Null means the default workspace"),
  status STRING,
  created_at TIMESTAMP,
  created_by_id STRING OPTIONS (description = "Console user who created the key (inferred-attribution evidence)"),
  created_by_type STRING,
  principal_id STRING,
  principal_type STRING,
  expires_at TIMESTAMP,
  partial_key_hint STRING OPTIONS (description = "Truncated hint only, never the key"),
  fetched_at TIMESTAMP NOT NULL,
  raw_response JSON
)
CLUSTER BY api_key_id
OPTIONS (description = "Anthropic API keys (snapshot)");
