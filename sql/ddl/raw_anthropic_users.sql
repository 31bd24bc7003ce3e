-- raw_anthropic_users: current snapshot of GET /v1/organizations/users (Console members).
CREATE TABLE IF NOT EXISTS raw_anthropic_users (
  user_id STRING NOT NULL,
  email STRING OPTIONS (description = "Lower-cased"),
  name STRING,
  role STRING,
  added_at TIMESTAMP,
  fetched_at TIMESTAMP NOT NULL,
  raw_response JSON
)
OPTIONS (description = "Anthropic organisation members (snapshot)");
