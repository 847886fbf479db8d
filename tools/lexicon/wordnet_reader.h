// Reads the WordNet 3.0 database files (Debian's wordnet-base, /usr/share/wordnet) into memory:
// synsets with their words and pointers (data.*), each lemma's senses in frequency order
// (index.*), the tagged-sense counts (cntlist.rev) and the irregular forms (*.exc).
//
// A build-time tool only: it never runs inside memoryd. Malformed lines are skipped; a missing
// file is an error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace memoryd::lexicon_tool {

// One of the four WordNet parts of speech; adjective satellites ('s') count as adjectives.
enum class Pos : uint8_t { kNoun = 'n', kVerb = 'v', kAdjective = 'a', kAdverb = 'r' };

struct Pointer {
  std::string symbol;       // "@", "@i", "#p", "+", "\\", "&", ...
  uint32_t target = 0;      // synset index
  uint8_t source_word = 0;  // 1-based word of this synset; 0 when the pointer is semantic
};

struct Synset {
  Pos pos = Pos::kNoun;
  bool satellite = false;          // an adjective satellite: it points to its head with '&'
  std::vector<std::string> words;  // lowercase, '_' between words, adjective markers removed
  std::vector<Pointer> pointers;
  std::string definition;  // the gloss up to its first example or note, lowercase
};

struct Sense {
  uint32_t synset = 0;     // synset index
  uint32_t tag_count = 0;  // occurrences in the tagged corpus (cntlist.rev)
};

struct WordNet {
  std::vector<Synset> synsets;
  // lemma ('_' between words) -> part of speech -> senses, most frequent first.
  std::map<std::string, std::map<Pos, std::vector<Sense>>> lemmas;
  // inflected form -> part of speech -> base forms.
  std::map<std::string, std::map<Pos, std::vector<std::string>>> exceptions;
};

// Reads every file under `dir`; returns false and sets *error when one cannot be read.
bool ReadWordNet(const std::string& dir, WordNet* out, std::string* error);

}  // namespace memoryd::lexicon_tool
