from ledgerd.cli import main

raise SystemExit(main())
