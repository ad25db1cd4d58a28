"""`make bench`: performance figures, one line each, measured on this machine."""
