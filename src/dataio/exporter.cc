#include "dataio/exporter.h"

#include "dataio/export_format.h"

namespace memoryd::dataio {

Result<int64_t> WriteExport(Store& store, const ExportOptions& options, int64_t now,
                            const std::function<Status(std::string_view)>& sink) {
  MEMORYD_RETURN_IF_ERROR(sink(EncodeHeader(now) + "\n"));
  int64_t count = 0;
  std::string line;
  MEMORYD_RETURN_IF_ERROR(store.ExportMemories(options.account, options.space,
                                               options.with_embeddings, now,
                                               [&](MemoryRecord&& record) -> Status {
                                                 line = EncodeRecord(record);
                                                 line += '\n';
                                                 ++count;
                                                 return sink(line);
                                               }));
  return count;
}

}  // namespace memoryd::dataio
