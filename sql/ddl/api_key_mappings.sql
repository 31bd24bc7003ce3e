-- api_key_mappings: the API-key -> person mapping maintained in the Google Sheet (or the local CSV).
-- Current state, unpartitioned. A key may have several rows with non-overlapping validity dates.
CREATE TABLE IF NOT EXISTS api_key_mappings (
  mapping_id STRING NOT NULL OPTIONS (description = "Deterministic id of (api_key_id, api_key_name, valid_from)"),
  api_key_id STRING OPTIONS (description = "Vendor key id; null for rows mapping a Claude Code key by name"),
  api_key_name STRING OPTIONS (description = "Human readable name (matches Claude Code api_actor key names)"),
  user_email STRING NOT NULL,
  platform_code STRING NOT NULL,
  usage_purpose STRING OPTIONS (description = "coding, research, analysis, automation, general"),
  cost_center STRING OPTIONS (description = "For financial allocation"),
  is_active BOOL NOT NULL,
  confidence_score FLOAT64 NOT NULL OPTIONS (description = "Attribution confidence 0.0-1.0 (blank in the sheet = 1.0)"),
  created_at TIMESTAMP,
  last_verified TIMESTAMP,
  valid_from DATE OPTIONS (description = "First day the mapping applies (inclusive); null = always"),
  valid_to DATE OPTIONS (description = "Last day the mapping applies (inclusive); null = open-ended")
)
CLUSTER BY api_key_id
OPTIONS (description = "API key to person mapping (Google Sheet)");
