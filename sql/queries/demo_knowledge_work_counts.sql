-- Claude.ai chat messages and Gemini Workspace events loaded for [@first, @last] (the demo's reconciliation).
SELECT
  (SELECT SUM(chat_message_count) FROM raw_claude_web_events WHERE usage_date BETWEEN @first AND @last) AS messages,
  (SELECT SUM(event_count) FROM raw_gemini_events WHERE usage_date BETWEEN @first AND @last) AS gemini_events
