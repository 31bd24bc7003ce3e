-- roi_assumptions: minutes saved per unit of an output measure, as the organisation chooses to assume them
-- (reference file roi_assumptions.csv). Empty unless someone states an assumption.
CREATE TABLE IF NOT EXISTS roi_assumptions (
  output_measure STRING NOT NULL OPTIONS (description = "accepted_lines, engineering_sessions, interactions, commits, pull_requests"),
  minutes_saved_per_unit FLOAT64 NOT NULL,
  assumption STRING NOT NULL OPTIONS (description = "Where the number comes from, shown next to every estimate")
)
OPTIONS (description = "Stated assumptions behind estimated hours saved");
