"""The catalog (``specs/rules/``, one file per API area): typed rules, the seed rulebook they cite, and coverage."""

from openai_rulebook.catalog._load import load_catalog
from openai_rulebook.catalog._matrix import Cell, Matrix, MatrixParam, cells
from openai_rulebook.catalog._model import KINDS, TIERS, Catalog, Rule
from openai_rulebook.catalog._seeds import Seed, load_seeds

__all__ = ["KINDS", "TIERS", "Catalog", "Cell", "Matrix", "MatrixParam", "Rule", "Seed", "cells", "load_catalog",
           "load_seeds"]
