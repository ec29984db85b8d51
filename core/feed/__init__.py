"""Feeds: which posts a viewer sees, in what order, and why.

- `personal.PersonalizedFeed`: the ranked `/feed` (candidates → score → diversity → pages),
  `/why` and `/feed tune`;
- `taste.TasteKeeper`: keeps taste profiles and trending scores current on every write;
- `discovery.Discovery`: trending, search, tags; `suggestions.Suggestions`: people, prompts,
  posts worth a comment;
- `chronological.ChronologicalFeed`: followees' posts, newest first (the baseline);
- `crowding`: how many posts each #tag had lately (`TagDayRetention` keeps two weeks).
"""

from core.feed.chronological import ChronologicalFeed
from core.feed.crowding import TagDayRetention
from core.feed.discovery import Discovery
from core.feed.embeddings import EmbeddingUnavailable, TextEmbedder
from core.feed.indexing import PostIndexer, VectorRefresh
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.multilingual_embeddings import MultilingualSentenceEmbedder, local_text_embedder
from core.feed.personal import Explanation, FeedPage, PersonalizedFeed, RankedPost, Tuning
from core.feed.scoring import Weights
from core.feed.suggestions import PersonSuggestion, PromptIdea, Reason, Suggestions
from core.feed.taste import TasteKeeper

__all__ = [
    "ChronologicalFeed",
    "Discovery",
    "EmbeddingUnavailable",
    "Explanation",
    "FeedPage",
    "HashedNgramEmbedder",
    "MultilingualSentenceEmbedder",
    "PersonSuggestion",
    "PersonalizedFeed",
    "PostIndexer",
    "PromptIdea",
    "RankedPost",
    "Reason",
    "Suggestions",
    "TagDayRetention",
    "TasteKeeper",
    "TextEmbedder",
    "Tuning",
    "VectorRefresh",
    "Weights",
    "local_text_embedder",
]
