-- raw_gemini_events: Google Workspace Reports API activities.list, applicationName gemini_in_workspace_apps,
-- event feature_utilization: events counted per person x UTC day x app x action.
CREATE TABLE IF NOT EXISTS raw_gemini_events (
  event_id STRING NOT NULL OPTIONS (description = "Deterministic id of (day, actor email, app_name, action)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  usage_date DATE NOT NULL OPTIONS (description = "UTC day of the activities' id.time (partition)"),
  actor_email STRING OPTIONS (description = "actor.email, lower-cased; null when Google names no user"),
  actor_profile_id STRING,
  customer_id STRING,
  application_name STRING OPTIONS (description = "gemini_in_workspace_apps"),
  event_type STRING OPTIONS (description = "ai_usage_event"),
  event_name STRING OPTIONS (description = "feature_utilization"),
  app_name STRING OPTIONS (description = "Parameter app_name: gmail, docs, sheets, slides, drive, meet, chat, gemini_app, ..."),
  action STRING OPTIONS (description = "Parameter action: summarize, generate_text, conversation, ..."),
  event_count INT64 NOT NULL OPTIONS (description = "feature_utilization events of the group"),
  first_event_at TIMESTAMP,
  last_event_at TIMESTAMP,
  raw_response JSON OPTIONS (description = "The group's latest activity as returned, credentials scrubbed")
)
PARTITION BY usage_date
CLUSTER BY actor_email, app_name
OPTIONS (description = "Gemini in Workspace feature use per person, day, app and action");
