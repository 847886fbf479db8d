// libFuzzer target: the JSON body decoders of both REST dialects (strict parsing, repeated
// member names, every typed reader) and the error answers they produce.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/json_codec.h"
#include "codec/semantic_codec.h"
#include "transport/http/capsule_codec.h"
#include "transport/http/error_map.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memoryd::http;
  using namespace memoryd::codec;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)ReadStringList(body, "keys");
  auto object = ParseObject(body);
  if (!object.ok()) {
    (void)ErrorResponse(object.status());
    return 0;
  }
  if (auto m = ReadCapsuleMemory(*object); !m.ok()) (void)ErrorResponse(m.status());
  if (auto a = ReadAddRequest(*object); !a.ok()) (void)ErrorResponse(a.status());
  if (auto s = ReadSearchRequest(*object); !s.ok()) (void)ErrorResponse(s.status());
  if (auto p = ReadMemoryPatch(*object); !p.ok()) (void)ErrorResponse(p.status());
  return 0;
}
