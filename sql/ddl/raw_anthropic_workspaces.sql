-- raw_anthropic_workspaces: current snapshot of GET /v1/organizations/workspaces (archived included).
CREATE TABLE IF NOT EXISTS raw_anthropic_workspaces (
  workspace_id STRING NOT NULL,
  workspace_name STRING,
  created_at TIMESTAMP,
  archived_at TIMESTAMP,
  fetched_at TIMESTAMP NOT NULL,
  raw_response JSON
)
OPTIONS (description = "Anthropic workspaces (snapshot)");
