-- The rows of raw_claude_costs in [@since, @until) without the raw payload: what the facts read, one chunk at a time.
SELECT * EXCEPT (raw_response)
FROM raw_claude_costs
WHERE cost_date >= @since AND cost_date < @until
