"""The write side: the engine (one transaction per step, guarded by ``states/``), the steps that need more
than one table (verification, supervision, look-backs), the people registry and who the actor is."""
