from torture_stats.cli import main

raise SystemExit(main())
