#include "nashost/json_text.hpp"

#include <utility>
#include <vector>

#include "nashost/error.hpp"

namespace nas {

namespace {
std::string too_deep(const std::string& source) {
  return source + ": nested deeper than " + std::to_string(kMaxDataNesting) +
         " levels of lists/tables (no genotype or config needs that; the file is damaged or not what it seems)";
}
}  // namespace

std::string_view without_utf8_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

Json parse_json_text(std::string_view text, const std::string& source) {
  text = without_utf8_bom(text);
  // The parser itself is iterative; the callback stops it before a deep tree exists.
  bool deep = false;
  const Json::parser_callback_t bounded = [&](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDataNesting) deep = true;
    return !deep;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), bounded);
    if (deep) throw Error(too_deep(source));
    return j;
  } catch (const Json::parse_error& e) {
    if (deep) throw Error(too_deep(source));
    throw Error(source + ": not valid JSON: " + e.what());
  }
}

int json_depth(const Json& value) {
  int deepest = 0;
  std::vector<std::pair<const Json*, int>> todo{{&value, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    ++depth;
    if (depth > deepest) deepest = depth;
    if (depth > kMaxDataNesting + 1) return depth;  // deep enough to refuse; stop walking
    for (const auto& child : *v) todo.emplace_back(&child, depth);
  }
  return deepest;
}

void check_json_depth(const Json& value, const std::string& source) {
  if (json_depth(value) > kMaxDataNesting) throw Error(too_deep(source));
}

}  // namespace nas
