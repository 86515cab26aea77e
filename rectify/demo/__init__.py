"""The demo county of SPEC §9 (青山县), built through the engine as a county would enter it."""
