// The compiled WordNet lexicon, linked into the binary. The build compiles it from Debian's
// wordnet-base (tools/lexicon/compile_wordnet.cc) and passes its path as MEMORYD_LEXICON_PATH;
// the assembler includes its bytes here, so memoryd needs no data file at run time.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "text/lexicon.h"

#ifndef MEMORYD_LEXICON_PATH
#error "MEMORYD_LEXICON_PATH must name the compiled lexicon (see CMakeLists.txt)"
#endif

__asm__(
    ".pushsection .rodata.memoryd_lexicon,\"a\"\n"
    ".balign 16\n"
    ".globl memoryd_lexicon_begin\n"
    ".hidden memoryd_lexicon_begin\n"
    "memoryd_lexicon_begin:\n"
    ".incbin \"" MEMORYD_LEXICON_PATH
    "\"\n"
    "memoryd_lexicon_end:\n"
    ".balign 8\n"
    ".globl memoryd_lexicon_size\n"
    ".hidden memoryd_lexicon_size\n"
    "memoryd_lexicon_size:\n"
    ".quad memoryd_lexicon_end - memoryd_lexicon_begin\n"
    ".popsection\n");

extern "C" const uint8_t memoryd_lexicon_begin[];
extern "C" const uint64_t memoryd_lexicon_size;

namespace memoryd::text {

const Lexicon& Lexicon::BuiltIn() {
  static const Lexicon lexicon = [] {
    Result<Lexicon> table = FromBytes(
        std::span<const uint8_t>(memoryd_lexicon_begin, static_cast<size_t>(memoryd_lexicon_size)));
    if (!table.ok()) {
      // The build wrote the table and the binary carries it: this is a broken build.
      std::fprintf(stderr, "memoryd: built-in %s\n", table.status().message().c_str());
      std::abort();
    }
    return std::move(table).value();
  }();
  return lexicon;
}

}  // namespace memoryd::text
