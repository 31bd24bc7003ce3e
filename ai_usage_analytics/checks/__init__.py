"""Table contracts (pandera models) and the asset checks built from them."""
