"""The shift-covering MILP: its data (``problem``), candidate shift columns (``columns``), the
PuLP formulation (``model``) and its solve (``milp``)."""
