"""Feeds: which posts a viewer sees, in what order, and why.

- `personal.PersonalizedFeed`: the ranked `/feed` (candidates → score → diversity → pages),
  `/why` and `/feed tune`, the face of its parts: `sessions` (a viewer's pages, optimistic
  locking), `ranking` (candidates → features → score), `explanation` (`/why`), `tuning`
  (`/feed tune`); `candidates` writes the one statement that finds the candidates;
- `taste.TasteKeeper`: keeps taste profiles and trending scores current on every write;
- `discovery.Discovery`: trending, search, tags; `suggestions.Suggestions`: people, prompts,
  posts worth a comment;
- `chronological.ChronologicalFeed`: followees' posts, newest first (the baseline);
- `impressions.ImpressionLog`: what each surface showed to whom, and what came of it;
- `crowding`: how many posts each #tag had lately (`TagDayRetention` keeps two weeks).
"""

from core.feed.chronological import ChronologicalFeed
from core.feed.crowding import TagDayRetention
from core.feed.discovery import Discovery
from core.feed.embeddings import EmbeddingUnavailable, TextEmbedder
from core.feed.explanation import Explanation
from core.feed.impressions import ImpressionLog, Outcome, Surface
from core.feed.indexing import PostIndexer, VectorRefresh
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.multilingual_embeddings import MultilingualSentenceEmbedder, local_text_embedder
from core.feed.personal import FeedPage, PersonalizedFeed
from core.feed.ranking import RankedPost
from core.feed.scoring import Weights
from core.feed.suggestions import PersonSuggestion, PromptIdea, Reason, Suggestions
from core.feed.taste import TasteKeeper
from core.feed.tuning import Tuning

__all__ = [
    "ChronologicalFeed",
    "Discovery",
    "EmbeddingUnavailable",
    "Explanation",
    "FeedPage",
    "HashedNgramEmbedder",
    "ImpressionLog",
    "MultilingualSentenceEmbedder",
    "Outcome",
    "PersonSuggestion",
    "PersonalizedFeed",
    "PostIndexer",
    "PromptIdea",
    "RankedPost",
    "Reason",
    "Suggestions",
    "Surface",
    "TagDayRetention",
    "TasteKeeper",
    "TextEmbedder",
    "Tuning",
    "VectorRefresh",
    "Weights",
    "local_text_embedder",
]
