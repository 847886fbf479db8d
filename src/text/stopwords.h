// English stopword lists, as immutable sorted constant tables.
//
// IsStopword: function words that carry no topic (articles, pronouns, auxiliaries, common
// prepositions and conjunctions), including contractions in the form the tokenizer produces
// ("dont", "im", "theyre"). Used for documents and queries alike.
//
// IsQueryStopword: IsStopword plus the scaffolding of questions and requests ("what kind of",
// "tell me about", "would ... likely"), which says how to answer rather than what to find. Only
// applied to queries.
//
// Both take folded, unstemmed tokens as produced by Tokenize().
//
// Thread-safety: pure functions over constant data; safe from any thread.
#pragma once

#include <string_view>

namespace memoryd::text {

bool IsStopword(std::string_view token);
bool IsQueryStopword(std::string_view token);

}  // namespace memoryd::text
