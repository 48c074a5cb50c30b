"""``python -m vlmtrust`` is the ``vlmtrust`` command."""

from vlmtrust.cli.main import main

main()
