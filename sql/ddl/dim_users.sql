-- dim_users: every person (HR roster + people discovered in vendor data) and the 'unattributed' sentinel.
CREATE TABLE IF NOT EXISTS dim_users (
  user_sk STRING NOT NULL OPTIONS (description = "Hash of the lower-cased email; 'unattributed' for the sentinel"),
  user_email STRING NOT NULL OPTIONS (description = "Lower-cased; 'unattributed' for the sentinel"),
  first_name STRING,
  last_name STRING,
  department STRING NOT NULL OPTIONS (description = "From the roster; 'unknown' for discovered people"),
  job_role STRING,
  user_type STRING OPTIONS (description = "engineering, knowledge_worker, hybrid"),
  is_active BOOL NOT NULL OPTIONS (description = "False for leavers (end_date passed) and roster-inactive people"),
  start_date DATE,
  end_date DATE,
  created_at TIMESTAMP NOT NULL OPTIONS (description = "When the person first entered dim_users"),
  updated_at TIMESTAMP NOT NULL,
  is_discovered BOOL NOT NULL OPTIONS (description = "Seen in vendor data but not on the HR roster"),
  discovered_from STRING OPTIONS (description = "Sources that named a discovered person"),
  first_seen_date DATE OPTIONS (description = "First day any vendor reported activity")
)
CLUSTER BY user_email
OPTIONS (description = "People, from the HR roster and vendor data");
