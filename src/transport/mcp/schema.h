// Checks tool arguments against a tool's input schema, so the tool table drives validation. It
// understands the subset of JSON Schema the tables use: type (one name or a list), properties,
// required, additionalProperties (false or a schema), items, enum, minimum, exclusiveMinimum,
// maximum, minLength, maxLength, minItems and maxItems. Other keywords (description, default,
// $schema) are ignored.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>

#include "core/status.h"

namespace memoryd::mcp {

// kInvalidArgument naming the argument (e.g. 'filters.tags[2]') and what it must be.
Status ValidateArguments(const boost::json::object& schema, const boost::json::value& arguments);

}  // namespace memoryd::mcp
