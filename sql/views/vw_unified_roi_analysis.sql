-- vw_unified_roi_analysis: cross-platform cost and output per department and month.
-- Columns:
--   month, month_start, department, spend_usd (allocated billed cost), spend_prev_month_usd, spend_mom_change
--   (relative change from the previous month; null without a previous month), active_people (people with any
--   usage), cost_per_active_person, accepted_lines, engineering_sessions (Claude Code sessions),
--   interactions (knowledge-work interactions), commits, pull_requests,
--   estimated_hours_saved, hours_saved_assumption.
-- estimated_hours_saved is shown only where roi_assumptions (reference file roi_assumptions.csv: output_measure,
-- minutes_saved_per_unit, assumption) gives an assumption for an output measure; it is labelled with that
-- assumption's text in hours_saved_assumption. Without assumptions both are null: no invented savings.
WITH spend AS (
  SELECT FORMAT_DATE('%Y-%m', f.cost_date) AS month, COALESCE(u.department, 'unknown') AS department,
    SUM(f.allocated_cost_usd) AS spend_usd
  FROM fact_ai_costs AS f
  LEFT JOIN dim_users AS u ON u.user_sk = f.user_sk
  GROUP BY 1, 2
),
output AS (
  SELECT FORMAT_DATE('%Y-%m', f.usage_date) AS month, COALESCE(u.department, 'unknown') AS department,
    COUNT(DISTINCT CASE WHEN f.user_sk != 'unattributed' THEN f.user_sk END) AS active_people,
    SUM(CASE WHEN f.use_case = 'engineering_productivity' THEN f.lines_accepted END) AS accepted_lines,
    SUM(CASE WHEN f.platform_sk = 'claude_code' THEN f.session_count END) AS engineering_sessions,
    SUM(CASE WHEN f.use_case = 'knowledge_work' THEN f.interaction_count END) AS interactions,
    SUM(f.commits) AS commits,
    SUM(f.pull_requests) AS pull_requests
  FROM fact_ai_usage AS f
  LEFT JOIN dim_users AS u ON u.user_sk = f.user_sk
  GROUP BY 1, 2
),
combined AS (
  SELECT COALESCE(s.month, o.month) AS month, COALESCE(s.department, o.department) AS department,
    CAST(COALESCE(s.spend_usd, 0) AS FLOAT64) AS spend_usd,
    COALESCE(o.active_people, 0) AS active_people, o.accepted_lines, o.engineering_sessions, o.interactions,
    o.commits, o.pull_requests
  FROM spend AS s
  FULL OUTER JOIN output AS o ON o.month = s.month AND o.department = s.department
),
savings AS (
  SELECT c.month, c.department,
    SUM(CASE a.output_measure
          WHEN 'accepted_lines' THEN c.accepted_lines
          WHEN 'engineering_sessions' THEN c.engineering_sessions
          WHEN 'interactions' THEN c.interactions
          WHEN 'commits' THEN c.commits
          WHEN 'pull_requests' THEN c.pull_requests
        END * a.minutes_saved_per_unit) / 60 AS estimated_hours_saved,
    STRING_AGG(a.output_measure || ': ' || a.assumption, '; ' ORDER BY a.output_measure) AS hours_saved_assumption
  FROM combined AS c
  CROSS JOIN roi_assumptions AS a
  GROUP BY c.month, c.department
)
SELECT
  c.month,
  PARSE_DATE('%Y-%m-%d', c.month || '-01') AS month_start,
  c.department,
  c.spend_usd,
  LAG(c.spend_usd) OVER (PARTITION BY c.department ORDER BY c.month) AS spend_prev_month_usd,
  SAFE_DIVIDE(c.spend_usd - LAG(c.spend_usd) OVER (PARTITION BY c.department ORDER BY c.month),
              LAG(c.spend_usd) OVER (PARTITION BY c.department ORDER BY c.month)) AS spend_mom_change,
  c.active_people,
  SAFE_DIVIDE(c.spend_usd, c.active_people) AS cost_per_active_person,
  c.accepted_lines,
  c.engineering_sessions,
  c.interactions,
  c.commits,
  c.pull_requests,
  s.estimated_hours_saved,
  s.hours_saved_assumption
FROM combined AS c
LEFT JOIN savings AS s ON s.month = c.month AND s.department = c.department
