-- The rows of raw_claude_code_events in [@since, @until) without the raw payload: what the facts read, one chunk at a time.
SELECT * EXCEPT (raw_response)
FROM raw_claude_code_events
WHERE usage_date >= @since AND usage_date < @until
