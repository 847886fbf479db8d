#include "text/semantic.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace memoryd::text {

ConceptExpander::ConceptExpander(const Lexicon& lexicon, SemanticOptions options)
    : lexicon_(lexicon), options_(options) {}

void ConceptExpander::Add(const std::vector<ConceptLink>& links, uint32_t word, float min_weight,
                          std::vector<ConceptHit>* out) const {
  const size_t first = out->size();
  for (const ConceptLink& link : links) {
    if ((options_.links & (1u << static_cast<uint32_t>(link.kind))) == 0) continue;
    if (link.weight < min_weight) continue;
    // One entry per word and concept: its strongest link.
    auto same =
        std::find_if(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
                     [&](const ConceptHit& hit) { return hit.concept_id == link.concept_id; });
    if (same == out->end()) {
      out->push_back({link.concept_id, link.weight, link.kind, word});
    } else if (same->weight < link.weight) {
      *same = {link.concept_id, link.weight, link.kind, word};
    }
  }
}

std::vector<ConceptHit> ConceptExpander::Expand(const std::vector<std::string>& words,
                                                bool query) const {
  std::vector<ConceptHit> hits;
  if (options_.links == 0) return hits;
  const float min_weight = query ? options_.query_min_weight : options_.document_min_weight;
  std::vector<ConceptLink> links;
  for (size_t i = 0; i < words.size(); ++i) {
    links.clear();
    lexicon_.Lookup(words[i], &links);
    if (options_.phrases && i + 1 < words.size()) {
      lexicon_.LookupPhrase(words[i], words[i + 1], &links);
    }
    Add(links, static_cast<uint32_t>(i), min_weight, &hits);
  }
  return hits;
}

std::string ConceptExpander::TermOf(uint32_t concept_id) {
  return "#" + std::to_string(concept_id);
}

std::optional<uint32_t> ConceptExpander::ConceptOfTerm(std::string_view term) {
  if (term.size() < 2 || term[0] != '#') return std::nullopt;
  uint32_t concept_id = 0;
  const char* end = term.data() + term.size();
  const auto [ptr, ec] = std::from_chars(term.data() + 1, end, concept_id);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return concept_id;
}

std::string ConceptExpander::Fingerprint() const {
  const auto permille = [](float w) { return std::to_string(static_cast<int>(w * 1000.0f)); };
  return "links=" + std::to_string(options_.links) + ":" + permille(options_.document_min_weight) +
         ":" + permille(options_.query_min_weight) + (options_.phrases ? ":p" : "") +
         " lexicon=" + lexicon_.Digest();
}

std::optional<uint32_t> ParseLinkKinds(std::string_view list) {
  if (list == "all") return (1u << kLinkKindCount) - 1;
  if (list == "default") return kDefaultLinks;
  if (list == "none" || list.empty()) return 0u;
  uint32_t mask = 0;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    bool known = false;
    for (int kind = 0; kind < kLinkKindCount; ++kind) {
      if (Lexicon::LinkKindName(static_cast<LinkKind>(kind)) == name) {
        mask |= 1u << kind;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return mask;
}

}  // namespace memoryd::text
