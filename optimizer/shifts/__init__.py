"""The shift-covering MILP: its data (``problem``), candidate shift columns (``columns``) and
the PuLP model and solve (``milp``)."""
