"""Forum and consultation views. They arrive with the Partnership Forum issue."""
