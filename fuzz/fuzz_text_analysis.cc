// libFuzzer target: text analysis and the semantic layer on hostile text. The input is split at
// its first NUL into a query and a memory text: both are analysed as queries and documents,
// every word goes through the WordNet lexicon (morphology, phrases, irregular forms), and the
// pair is explained. The whole input is also read as a lexicon table, which must be refused or
// read within its bounds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "search/explain.h"
#include "text/analyzer.h"
#include "text/lexicon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoryd;
  static const auto analyzer = text::TextAnalyzer::Create().value();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string_view query = input.substr(0, split);
  const std::string_view memory =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  (void)analyzer->AnalyzeQuery(query);
  (void)analyzer->AnalyzeDocument(memory);
  Explanation explanation;
  ExplainMatch(*analyzer, query, memory, &explanation);
  const text::Lexicon& lexicon = text::Lexicon::BuiltIn();
  std::vector<text::ConceptLink> links;
  std::vector<std::string> bases;
  lexicon.Lookup(query, &links);
  lexicon.LookupPhrase(query, memory, &links);
  lexicon.IrregularBases(query, &bases);
  for (const text::ConceptLink& link : links) (void)lexicon.ConceptName(link.concept_id);
  auto table = text::Lexicon::FromBytes(std::span<const uint8_t>(data, size));
  if (table.ok()) {
    links.clear();
    table->Lookup(memory, &links);
    table->IrregularBases(memory, &bases);
    for (const text::ConceptLink& link : links) (void)table->ConceptName(link.concept_id);
  }
  return 0;
}
