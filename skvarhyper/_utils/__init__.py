"""What every layer may use: transactions and fingerprints of fits, and lazily
imported public names."""
