"""Who is carrying too much: per-member figures from the Tasks tab, the flags drawn from
them, the rest cycle organizers confirm, and the network-wide flags for the Summary tab."""
