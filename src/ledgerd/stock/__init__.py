"""Stock items and stock movements."""
