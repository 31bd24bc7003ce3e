-- raw_claude_events: Anthropic GET /v1/organizations/usage_report/messages, 1d buckets grouped by
-- api_key_id, workspace_id, model, service_tier, context_window: one row per bucket x group.
CREATE TABLE IF NOT EXISTS raw_claude_events (
  event_id STRING NOT NULL OPTIONS (description = "Deterministic id of (bucket, group)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  api_key_id STRING OPTIONS (description = "Null for Console/Workbench usage"),
  workspace_id STRING OPTIONS (description = "Null means the default workspace"),
  model STRING,
  platform STRING NOT NULL OPTIONS (description = "claude_code when the workspace is a configured Claude Code workspace, else claude_api"),
  uncached_input_tokens INT64,
  cached_input_tokens INT64 OPTIONS (description = "Input tokens that touched the prompt cache: cache reads + cache writes"),
  cache_read_input_tokens INT64,
  cache_creation_tokens INT64 OPTIONS (description = "Cache writes, 5-minute + 1-hour TTL"),
  output_tokens INT64,
  detection_method STRING NOT NULL OPTIONS (description = "How platform was decided: workspace_id"),
  detection_confidence FLOAT64 NOT NULL,
  service_tier STRING,
  context_window STRING,
  starting_at TIMESTAMP NOT NULL,
  ending_at TIMESTAMP NOT NULL,
  raw_response JSON OPTIONS (description = "The result item as returned, credentials scrubbed"),
  usage_date DATE NOT NULL OPTIONS (description = "UTC day of the bucket (partition)"),
  cache_creation_5m_tokens INT64,
  cache_creation_1h_tokens INT64,
  web_search_requests INT64,
  inference_geo STRING,
  account_id STRING,
  service_account_id STRING
)
PARTITION BY usage_date
CLUSTER BY api_key_id, model
OPTIONS (description = "Anthropic Messages API token usage per day, key, workspace and model");
