-- The rows of raw_gemini_costs in [@since, @until) (billing-export lines keep no raw payload): what the facts read, one chunk at a time.
SELECT *
FROM raw_gemini_costs
WHERE cost_date >= @since AND cost_date < @until
