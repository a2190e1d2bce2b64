"""The simulation-verified plan: the simulate-and-correct loop (``loop``), and the files it
writes (``files``)."""
