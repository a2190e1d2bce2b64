"""``python -m workbench``: the same as the ``workbench`` command."""

from workbench.start import main

main()
