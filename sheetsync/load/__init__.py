"""The load step's engine: who is carrying too much. Per-member figures from the Tasks tab,
the flags drawn from them, and the rest cycle organizers confirm."""
