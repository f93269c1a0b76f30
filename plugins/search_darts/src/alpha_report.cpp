#include "alpha_report.hpp"

#include <cstdio>
#include <sstream>

#include <ATen/ATen.h>

namespace nas::darts {

namespace {
std::vector<std::string> row_names(int64_t nodes) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < nodes; ++i)
    for (int64_t j = 0; j < 2 + i; ++j)
      names.push_back("n" + std::to_string(i) + " <- " +
                      (j == 0   ? "c_{k-2}"
                       : j == 1 ? "c_{k-1}"
                                : "n" + std::to_string(j - 2)));
  return names;
}
at::Tensor probs(const at::Tensor& alpha) {
  return at::softmax(alpha.detach().to(at::kCPU, at::kDouble), -1).contiguous();
}
}  // namespace

std::string alpha_table(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                        const std::string& title) {
  const at::Tensor p = probs(alpha);
  const auto rows = row_names(nodes);
  std::ostringstream s;
  char buf[64];
  s << title << "\n" << std::string(16, ' ');
  for (const auto& o : ops) {
    std::snprintf(buf, sizeof buf, " %12.12s", o.c_str());
    s << buf;
  }
  s << "\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    std::snprintf(buf, sizeof buf, "%-16s", rows[r].c_str());
    s << buf;
    for (int64_t o = 0; o < p.size(1); ++o) {
      std::snprintf(buf, sizeof buf, " %12.4f", p[static_cast<int64_t>(r)][o].item<double>());
      s << buf;
    }
    s << "\n";
  }
  return s.str();
}

std::string alpha_csv(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes) {
  const at::Tensor p = probs(alpha);
  const auto rows = row_names(nodes);
  std::ostringstream s;
  s << "edge";
  for (const auto& o : ops) s << "," << o;
  s << "\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    s << '"' << rows[r] << '"';
    for (int64_t o = 0; o < p.size(1); ++o) s << "," << p[static_cast<int64_t>(r)][o].item<double>();
    s << "\n";
  }
  return s.str();
}

std::string alpha_heatmap_dot(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                              const std::string& title) {
  const at::Tensor p = probs(alpha);
  const auto rows = row_names(nodes);
  std::ostringstream s;
  s << "digraph heatmap {\n  node [shape=plaintext, fontname=\"times\"];\n  t [label=<<table border=\"0\" "
       "cellspacing=\"1\" cellpadding=\"4\">\n";
  s << "<tr><td colspan=\"" << ops.size() + 1 << "\"><b>" << title << "</b></td></tr>\n<tr><td></td>";
  for (const auto& o : ops) s << "<td>" << o << "</td>";
  s << "</tr>\n";
  char color[16];
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string name = rows[r];
    const auto lt = name.find('<');
    if (lt != std::string::npos) name.replace(lt, 1, "&lt;");
    s << "<tr><td align=\"left\">" << name << "</td>";
    for (int64_t o = 0; o < p.size(1); ++o) {
      const double v = p[static_cast<int64_t>(r)][o].item<double>();
      const int shade = static_cast<int>(255.0 * (1.0 - std::min(1.0, v)));
      std::snprintf(color, sizeof color, "#ff%02x%02x", shade, shade);
      char val[16];
      std::snprintf(val, sizeof val, "%.3f", v);
      s << "<td bgcolor=\"" << color << "\">" << val << "</td>";
    }
    s << "</tr>\n";
  }
  s << "</table>>];\n}\n";
  return s.str();
}

}  // namespace nas::darts
