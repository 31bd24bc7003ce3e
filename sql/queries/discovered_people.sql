-- Everyone a vendor names, with the source and the first day seen (feeds dim_users).
SELECT LOWER(email) AS user_email, 'cursor' AS source, MIN(usage_date) AS first_seen
FROM raw_cursor_events GROUP BY 1
UNION ALL
SELECT LOWER(user_email), 'cursor', MIN(usage_date)
FROM raw_cursor_usage_events WHERE user_email IS NOT NULL GROUP BY 1
UNION ALL
SELECT LOWER(actor_email), 'claude_code', MIN(usage_date)
FROM raw_claude_code_events WHERE actor_email IS NOT NULL GROUP BY 1
UNION ALL
SELECT LOWER(email), 'anthropic_console', MIN(CAST(added_at AS DATE))
FROM raw_anthropic_users WHERE email IS NOT NULL GROUP BY 1
UNION ALL
SELECT LOWER(user_email), 'api_key_mapping', MIN(COALESCE(valid_from, CAST(created_at AS DATE)))
FROM api_key_mappings WHERE user_email IS NOT NULL AND user_email != 'unattributed' GROUP BY 1
UNION ALL
SELECT LOWER(user_email), 'claude_web', MIN(usage_date)
FROM raw_claude_web_events WHERE user_email IS NOT NULL AND STRPOS(user_email, '@') > 0 GROUP BY 1
UNION ALL
SELECT LOWER(actor_email), 'gemini', MIN(usage_date)
FROM raw_gemini_events WHERE actor_email IS NOT NULL GROUP BY 1
