from ai_usage_analytics.demo.run import main

raise SystemExit(main())
