import sys

from shnor.cli import main

sys.exit(main())
