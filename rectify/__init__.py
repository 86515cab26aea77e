"""rectify — 整顿软弱涣散基层党组织 case-tracking workflow engine."""

__version__ = "0.1.0"
