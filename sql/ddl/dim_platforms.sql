-- dim_platforms: one row per AI platform we track (the ERD's PLATFORMS). Current state, unpartitioned.
CREATE TABLE IF NOT EXISTS dim_platforms (
  platform_sk STRING NOT NULL OPTIONS (description = "Surrogate key; equal to platform_code"),
  platform_code STRING NOT NULL OPTIONS (description = "cursor, claude_code, claude_api, claude_web, gemini"),
  platform_name STRING NOT NULL OPTIONS (description = "Display name"),
  category STRING NOT NULL OPTIONS (description = "engineering_productivity, knowledge_work, api_consumption"),
  vendor STRING NOT NULL OPTIONS (description = "Anthropic, Cursor, Google"),
  cost_model STRING NOT NULL OPTIONS (description = "subscription, usage_based, hybrid"),
  supports_user_attribution BOOL NOT NULL OPTIONS (description = "The source names a person or a mappable API key"),
  supports_productivity_metrics BOOL NOT NULL OPTIONS (description = "The source reports output measures, not only consumption"),
  created_at TIMESTAMP NOT NULL OPTIONS (description = "When the platform entered the catalogue")
)
OPTIONS (description = "AI platforms tracked by ai_usage_analytics");
