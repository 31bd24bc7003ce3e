-- raw_claude_costs: Anthropic GET /v1/organizations/cost_report, 1d buckets grouped by workspace_id and
-- description: one row per bucket x workspace x cost line. The report has no API-key dimension.
CREATE TABLE IF NOT EXISTS raw_claude_costs (
  cost_id STRING NOT NULL OPTIONS (description = "Deterministic id of (bucket, workspace, description, parsed fields)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  workspace_id STRING OPTIONS (description = "Null means the default workspace"),
  api_key_id STRING OPTIONS (description = "Always null: the cost report has no key dimension (allocated in fact_ai_costs)"),
  platform STRING NOT NULL OPTIONS (description = "claude_code for configured Claude Code workspaces, else claude_api"),
  amount_usd NUMERIC(38, 9) NOT NULL OPTIONS (description = "`amount` (a decimal string in cents) / 100"),
  description STRING,
  cost_type STRING OPTIONS (description = "tokens, web_search, code_execution, session_usage"),
  cost_date DATE NOT NULL OPTIONS (description = "UTC day of the bucket (partition)"),
  model STRING,
  detection_method STRING NOT NULL OPTIONS (description = "workspace_id"),
  raw_response JSON OPTIONS (description = "The result item as returned"),
  currency STRING,
  token_type STRING,
  service_tier STRING,
  context_window STRING,
  inference_geo STRING,
  starting_at TIMESTAMP NOT NULL,
  ending_at TIMESTAMP NOT NULL
)
PARTITION BY cost_date
CLUSTER BY workspace_id, cost_date
OPTIONS (description = "Anthropic billed cost per day, workspace and cost line");
