"""The read side: a case in full, the 限期转化台账 and its formats, the statistics and the Party form, and any
past day rebuilt from the history (the snapshot)."""
