-- Days since @since on which each API key (by id, or by name for Claude Code API actors) had usage.
-- The mapping sheet sensor re-runs the fact partitions of those days when a key's mapping changes.
SELECT DISTINCT api_key_id AS api_key, usage_date
FROM raw_claude_events
WHERE usage_date >= @since AND api_key_id IS NOT NULL
UNION ALL
SELECT DISTINCT api_key_name AS api_key, usage_date
FROM raw_claude_code_events
WHERE usage_date >= @since AND api_key_name IS NOT NULL
