#include "text/stopwords.h"

#include <algorithm>
#include <array>

namespace memoryd::text {
namespace {

// Kept sorted (checked at compile time) so lookups are a binary search.
constexpr std::array<std::string_view, 192> kStopwords = {
    "a",        "about",      "above",      "after",   "again",   "against",  "all",
    "am",       "an",         "and",        "any",     "are",     "arent",    "as",
    "at",       "be",         "because",    "been",    "before",  "being",    "below",
    "between",  "both",       "but",        "by",      "can",     "cant",     "could",
    "couldnt",  "did",        "didnt",      "do",      "does",    "doesnt",   "doing",
    "done",     "dont",       "down",       "during",  "each",    "either",   "else",
    "etc",      "even",       "ever",       "every",   "few",     "for",      "from",
    "further",  "had",        "hadnt",      "has",     "hasnt",   "have",     "havent",
    "having",   "he",         "hed",        "hell",    "her",     "here",     "hers",
    "herself",  "hes",        "him",        "himself", "his",     "how",      "i",
    "id",       "if",         "ill",        "im",      "in",      "into",     "is",
    "isnt",     "it",         "itd",        "itll",    "its",     "itself",   "ive",
    "just",     "let",        "lets",       "me",      "might",   "mine",     "more",
    "most",     "must",       "mustnt",     "my",      "myself",  "neither",  "no",
    "nor",      "not",        "now",        "of",      "off",     "oh",       "ok",
    "okay",     "on",         "once",       "only",    "or",      "other",    "our",
    "ours",     "ourselves",  "out",        "over",    "own",     "same",     "shall",
    "she",      "shed",       "shell",      "shes",    "should",  "shouldnt", "so",
    "some",     "such",       "than",       "that",    "thats",   "the",      "their",
    "theirs",   "them",       "themselves", "then",    "there",   "theres",   "these",
    "they",     "theyd",      "theyll",     "theyre",  "theyve",  "this",     "those",
    "though",   "through",    "to",         "too",     "under",   "until",    "up",
    "upon",     "us",         "very",       "was",     "wasnt",   "we",       "were",
    "werent",   "weve",       "what",       "whats",   "when",    "where",    "whether",
    "which",    "while",      "who",        "whom",    "whos",    "whose",    "why",
    "will",     "with",       "wont",       "would",   "wouldnt", "yeah",     "yes",
    "yet",      "you",        "youd",       "youll",   "your",    "youre",    "yours",
    "yourself", "yourselves", "youve",
};

// Words that frame a question or request rather than name what is sought.
constexpr std::array<std::string_view, 20> kQueryScaffolding = {
    "anything", "describe", "detail", "details", "example", "examples", "explain",
    "happen",   "happened", "kind",   "kinds",   "likely",  "mention",  "mentioned",
    "sort",     "specific", "tell",   "type",    "types",   "way",
};

template <size_t N>
constexpr bool IsSortedUnique(const std::array<std::string_view, N>& words) {
  for (size_t i = 1; i < N; ++i) {
    if (!(words[i - 1] < words[i])) return false;
  }
  return true;
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& words, std::string_view token) {
  return std::binary_search(words.begin(), words.end(), token);
}

static_assert(IsSortedUnique(kStopwords), "kStopwords must stay sorted");
static_assert(IsSortedUnique(kQueryScaffolding), "kQueryScaffolding must stay sorted");

}  // namespace

bool IsStopword(std::string_view token) { return Contains(kStopwords, token); }

bool IsQueryStopword(std::string_view token) {
  return IsStopword(token) || Contains(kQueryScaffolding, token);
}

}  // namespace memoryd::text
