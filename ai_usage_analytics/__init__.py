"""ai_usage_analytics: what a company's AI tools are used for, by whom, what they cost and what they yield."""
