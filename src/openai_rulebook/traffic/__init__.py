"""Recorded exchanges with the real OpenAI API (``../shared/real-traffic``), read and matched to the catalog."""

from openai_rulebook.traffic._lines import CORPUS_ENV, Corpus, Exchange, default_corpus_path
from openai_rulebook.traffic._match import EndpointMatcher

__all__ = ["CORPUS_ENV", "Corpus", "EndpointMatcher", "Exchange", "default_corpus_path"]
