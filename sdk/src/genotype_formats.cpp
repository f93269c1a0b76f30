// The DARTS `Genotype(...)` text format (docs/methods.md, DARTS), the published named
// genotypes, and Graphviz output in the DARTS plotting style.
// (The DARTS-CC integer JSON lives in genotype_darts_cc.cpp.)
#include "nashost/genotype_formats.hpp"
#include "nashost/genotype_macro.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <sstream>

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/process.hpp"

namespace nas {

namespace {

// ---------------------------------------------------------------------------------------
// Writing

bool is_contiguous_range(const std::vector<int>& v) {
  if (v.empty()) return false;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] != v[i - 1] + 1) return false;
  return true;
}

std::string concat_text(const std::vector<int>& concat) {
  // Derived genotypes print as `range(2, 6)` in Python 3; anything else as a list.
  if (is_contiguous_range(concat))
    return "range(" + std::to_string(concat.front()) + ", " + std::to_string(concat.back() + 1) + ")";
  std::string s = "[";
  for (size_t i = 0; i < concat.size(); ++i) s += (i ? ", " : "") + std::to_string(concat[i]);
  return s + "]";
}

std::string gene_text(const GenotypeEdge& e) { return "('" + e.op + "', " + std::to_string(e.input) + ")"; }

std::string genes_text(const CellGenotype& cell, DartsTextLayout layout, const char* which) {
  std::string s = "[";
  bool first = true;
  for (size_t i = 0; i < cell.nodes.size(); ++i) {
    const auto& node = cell.nodes[i];
    if (layout == DartsTextLayout::Flat) {
      if (node.size() != 2)
        throw Error(std::string("the flat DARTS text layout needs exactly two edges per node; ") + which + " node " +
                    std::to_string(i) + " has " + std::to_string(node.size()) + " (use the nested layout)");
      for (const auto& e : node) {
        s += (first ? "" : ", ") + gene_text(e);
        first = false;
      }
    } else {
      s += std::string(i ? ", " : "") + "[";
      for (size_t k = 0; k < node.size(); ++k) s += (k ? ", " : "") + gene_text(node[k]);
      s += "]";
    }
  }
  return s + "]";
}

// ---------------------------------------------------------------------------------------
// Parsing: a tiny recursive-descent parser over the Python repr, tracking line/column.

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>* ops) : text_(text), ops_(ops) {}

  Genotype parse() {
    const size_t start = text_.find("Genotype");
    if (start == std::string_view::npos) fail(0, "expected 'Genotype(' (the DARTS genotype text form)");
    pos_ = start + 8;
    expect('(');
    std::map<std::string, bool> seen;
    std::optional<std::vector<std::vector<GenotypeEdge>>> normal, reduce;
    std::optional<ConcatText> normal_concat, reduce_concat;
    skip_ws();
    while (peek() != ')') {
      const size_t key_pos = pos_;
      const std::string key = identifier();
      if (seen[key]) fail(key_pos, "field '" + key + "' given twice");
      seen[key] = true;
      expect('=');
      if (key == "normal")
        normal = genes();
      else if (key == "reduce")
        reduce = genes();
      else if (key == "normal_concat")
        normal_concat = concat();
      else if (key == "reduce_concat")
        reduce_concat = concat();
      else
        fail(key_pos, "unknown field '" + key + "'; expected normal, normal_concat, reduce, reduce_concat");
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != ')') {
        fail(pos_, "expected ',' or ')'");
      }
    }
    ++pos_;
    if (!normal) fail(pos_ - 1, "missing field 'normal'");
    if (!reduce) fail(pos_ - 1, "missing field 'reduce'");
    Genotype g;
    g.space = "darts";
    g.normal.nodes = *normal;
    g.reduce.nodes = *reduce;
    g.normal.concat = normal_concat ? states(*normal_concat, g.normal.nodes.size(), "normal_concat")
                                    : default_concat(g.normal.nodes.size());
    g.reduce.concat = reduce_concat ? states(*reduce_concat, g.reduce.nodes.size(), "reduce_concat")
                                    : default_concat(g.reduce.nodes.size());
    return g;
  }

 private:
  static std::vector<int> default_concat(size_t nodes) {
    std::vector<int> c;
    for (size_t i = 0; i < nodes; ++i) c.push_back(static_cast<int>(i) + 2);
    return c;
  }

  // A concat field as written: an explicit list, or range(a, b) kept unexpanded until the
  // node count is known, so that range(-2147483647, 2147483647) is refused, not expanded
  // into 4 billion states (17 GB).
  struct ConcatText {
    size_t at = 0;  ///< where the field's value starts, for messages
    std::vector<int64_t> list;
    bool is_range = false;
    int64_t begin = 0, end = 0;
  };

  // The states of a concat field, each an existing state of the cell (0..nodes+1), once.
  std::vector<int> states(const ConcatText& c, size_t nodes, const std::string& field) const {
    const auto limit = static_cast<int64_t>(nodes) + 2;
    const std::string valid = ", but the cell has only states 0.." + std::to_string(limit - 1);
    if (c.is_range && (c.begin < 0 || c.end > limit))
      fail(c.at,
           field + " = range(" + std::to_string(c.begin) + ", " + std::to_string(c.end) + ") names states" + valid);
    std::vector<int64_t> wanted = c.list;
    for (int64_t s = c.begin; c.is_range && s < c.end; ++s) wanted.push_back(s);
    std::vector<int> out;
    for (const int64_t s : wanted) {
      if (s < 0 || s >= limit) fail(c.at, field + " names state " + std::to_string(s) + valid);
      // Each state once: a repeated one would widen the cell output (and its memory) for nothing.
      if (std::find(out.begin(), out.end(), s) != out.end())
        fail(c.at, field + " names state " + std::to_string(s) + " twice");
      out.push_back(static_cast<int>(s));
    }
    return out;
  }

  [[noreturn]] void fail(size_t at, const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string near;
    if (at < text_.size())
      near = " near '" + std::string(text_.substr(at, std::min<size_t>(20, text_.size() - at))) + "'";
    throw Error("DARTS genotype text, line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what +
                near);
  }

  void skip_ws() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() {
    skip_ws();
    if (pos_ >= text_.size()) fail(pos_, "unexpected end of text");
    return text_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(pos_, std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string identifier() {
    skip_ws();
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    if (start == pos_) fail(pos_, "expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }
  // An int64; callers range-check it. Digits beyond int64 are an error at their position
  // (std::stoi would throw a bare "stoi"; a narrowing cast would wrap 2^32+1 to 1).
  int64_t integer() {
    skip_ws();
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_ || (pos_ == start + 1 && text_[start] == '-')) fail(start, "expected an integer");
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (ec != std::errc() || end != text_.data() + pos_)
      fail(start, "integer " + std::string(text_.substr(start, pos_ - start)) + " is out of range");
    return value;
  }
  std::string quoted(size_t& at) {
    const char q = peek();
    at = pos_;
    if (q != '\'' && q != '"') fail(pos_, "expected a quoted op name");
    const size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != q && text_[pos_] != '\n') ++pos_;
    if (pos_ >= text_.size() || text_[pos_] != q) fail(at, "unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }

  GenotypeEdge gene(size_t node) {
    expect('(');
    size_t op_at = 0;
    const std::string op = quoted(op_at);
    if (ops_ && std::find(ops_->begin(), ops_->end(), op) == ops_->end()) {
      std::string valid;
      for (const auto& n : *ops_) valid += (valid.empty() ? "" : ", ") + n;
      fail(op_at, "unknown op '" + op + "'; valid: " + valid);
    }
    expect(',');
    skip_ws();
    const size_t in_at = pos_;
    const int64_t input = integer();
    if (input < 0 || input >= static_cast<int64_t>(node) + 2)
      fail(in_at, "input " + std::to_string(input) + " of node " + std::to_string(node) +
                      " is not an earlier state (valid: 0.." + std::to_string(node + 1) + ")");
    skip_ws();
    if (peek() == ',') ++pos_;  // tolerate a trailing comma
    expect(')');
    return {op, static_cast<int>(input)};
  }

  // Flat list of pairs (2 per node, quark0) or list of per-node lists (pt.darts).
  std::vector<std::vector<GenotypeEdge>> genes() {
    const size_t list_at = (skip_ws(), pos_);
    expect('[');
    std::vector<std::vector<GenotypeEdge>> nodes;
    if (peek() == ']') {
      ++pos_;
      return nodes;
    }
    const bool nested = peek() == '[';
    if (nested) {
      while (true) {
        expect('[');
        std::vector<GenotypeEdge> node;
        while (peek() != ']') {
          node.push_back(gene(nodes.size()));
          if (peek() == ',') ++pos_;
        }
        ++pos_;
        nodes.push_back(std::move(node));
        if (peek() == ',') ++pos_;
        if (peek() == ']') break;
      }
    } else {
      size_t count = 0;
      while (true) {
        if (count % 2 == 0) nodes.emplace_back();
        nodes.back().push_back(gene(count / 2));
        ++count;
        if (peek() == ',') ++pos_;
        if (peek() == ']') break;
      }
      if (count % 2 != 0)
        fail(list_at, "a flat gene list needs two (op, input) pairs per node, got " + std::to_string(count));
    }
    ++pos_;
    return nodes;
  }

  ConcatText concat() {
    skip_ws();
    ConcatText out;
    out.at = pos_;
    if (peek() == '[' || peek() == '(') {
      const char close = text_[pos_] == '[' ? ']' : ')';
      ++pos_;
      while (peek() != close) {
        out.list.push_back(integer());
        if (peek() == ',') ++pos_;
      }
      ++pos_;
      return out;
    }
    if (identifier() != "range") fail(out.at, "expected range(a, b) or a list of state indices");
    expect('(');
    out.is_range = true;
    out.begin = integer();
    expect(',');
    out.end = integer();
    expect(')');
    if (out.end < out.begin) fail(out.at, "empty range");
    return out;
  }

  std::string_view text_;
  const std::vector<std::string>* ops_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Named genotypes (quark0 cnn/genotypes.py).

const std::map<std::string, std::string>& named_texts() {
  static const std::map<std::string, std::string> m{
      {"DARTS_V1",
       "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), "
       "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], "
       "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
       "('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
       "('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])"},
      {"DARTS_V2",
       "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
       "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
       "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
       "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
       "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"},
  };
  return m;
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

const char* kDotHeader =
    "  rankdir=LR;\n"
    "  node [style=filled, shape=rect, align=center, fontsize=20, height=0.5, width=0.5, penwidth=2, "
    "fontname=\"times\"];\n"
    "  edge [fontsize=20, fontname=\"times\"];\n";

}  // namespace

std::string to_darts_text(const Genotype& g, DartsTextLayout layout) {
  if (!g.is_cell()) throw Error("the DARTS text form holds cell genotypes only, not space '" + g.space + "'");
  return "Genotype(normal=" + genes_text(g.normal, layout, "normal") +
         ", normal_concat=" + concat_text(g.normal.concat) + ", reduce=" + genes_text(g.reduce, layout, "reduce") +
         ", reduce_concat=" + concat_text(g.reduce.concat) + ")";
}

Genotype parse_darts_text(std::string_view text) { return Parser(text, nullptr).parse(); }

Genotype parse_darts_text(std::string_view text, const std::vector<std::string>& op_names) {
  return Parser(text, &op_names).parse();
}

Genotype named_genotype(const std::string& name) {
  std::string key = name;
  if (key == "DARTS") key = "DARTS_V2";  // quark0: DARTS = DARTS_V2
  const auto& m = named_texts();
  auto it = m.find(key);
  if (it == m.end()) {
    std::string valid;
    for (const auto& n : named_genotype_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw Error("unknown named genotype '" + name + "'; known: " + valid);
  }
  Genotype g = parse_darts_text(it->second);
  g.meta = Json{{"name", key}, {"source", "quark0/darts cnn/genotypes.py"}};
  return g;
}

std::vector<std::string> named_genotype_names() {
  std::vector<std::string> names{"DARTS"};
  for (const auto& [k, v] : named_texts()) names.push_back(k);
  return names;
}

std::string cell_to_dot(const CellGenotype& cell, const std::string& caption) {
  std::ostringstream s;
  s << "digraph cell {\n" << kDotHeader;
  s << "  label=\"" << dot_escape(caption) << "\"; overlap=false; fontsize=20; fontname=\"times\";\n";
  s << "  \"c_{k-2}\" [fillcolor=darkseagreen2];\n  \"c_{k-1}\" [fillcolor=darkseagreen2];\n";
  for (size_t i = 0; i < cell.nodes.size(); ++i) s << "  \"" << i << "\" [fillcolor=lightblue];\n";
  auto name = [](int input) {
    if (input == 0) return std::string("c_{k-2}");
    if (input == 1) return std::string("c_{k-1}");
    return std::to_string(input - 2);
  };
  for (size_t i = 0; i < cell.nodes.size(); ++i)
    for (const auto& e : cell.nodes[i])
      s << "  \"" << name(e.input) << "\" -> \"" << i << "\" [label=\"" << dot_escape(e.op) << "\", fillcolor=gray];\n";
  s << "  \"c_{k}\" [fillcolor=palegoldenrod];\n";
  for (int c : cell.concat) s << "  \"" << name(c) << "\" -> \"c_{k}\" [fillcolor=gray];\n";
  s << "}\n";
  return s.str();
}

std::string dag_to_dot(const std::vector<DagNode>& dag, const std::string& caption) {
  std::ostringstream s;
  s << "digraph dag {\n" << kDotHeader;
  s << "  label=\"" << dot_escape(caption) << "\"; overlap=false; fontsize=20; fontname=\"times\";\n";
  s << "  \"x_{t}, h_{t-1}\" [fillcolor=darkseagreen2];\n";
  std::vector<bool> has_child(dag.size(), false);
  for (size_t i = 0; i < dag.size(); ++i) {
    s << "  \"" << i << "\" [label=\"" << i << ": " << dot_escape(dag[i].activation) << "\", fillcolor=lightblue];\n";
    const std::string parent = dag[i].parent < 0 ? "x_{t}, h_{t-1}" : std::to_string(dag[i].parent);
    if (dag[i].parent >= 0 && dag[i].parent < static_cast<int>(dag.size()))
      has_child[static_cast<size_t>(dag[i].parent)] = true;
    s << "  \"" << parent << "\" -> \"" << i << "\" [fillcolor=gray];\n";
  }
  s << "  \"h_{t}\" [fillcolor=palegoldenrod];\n";
  for (size_t i = 0; i < dag.size(); ++i)  // ENAS averages the loose ends
    if (!has_child[i]) s << "  \"" << i << "\" -> \"h_{t}\" [fillcolor=gray];\n";
  s << "}\n";
  return s.str();
}

std::vector<int64_t> macro_reductions_after(int64_t num_layers) {
  const int64_t d = num_layers / 3;  // pool distance
  std::vector<int64_t> r;
  for (int64_t after : {d - 1, 2 * d - 1})
    if (after >= 0 && after < num_layers && (r.empty() || r.back() != after)) r.push_back(after);
  return r;
}

namespace {

/// Layer i's op and the layers it takes skips from, checked against the macro layout.
struct MacroLayer {
  std::string op;
  std::vector<int64_t> skips;
};

std::vector<MacroLayer> macro_layers(const Genotype& g) {
  if (!is_macro_genotype(g)) throw Error("genotype space is '" + g.space + "', not " + kEnasMacroSpace);
  std::vector<MacroLayer> layers;
  for (size_t i = 0; i < g.normal.nodes.size(); ++i) {
    const auto& edges = g.normal.nodes[i];
    if (edges.empty() || edges[0].input != static_cast<int64_t>(i) + 1)
      throw Error("macro genotype: layer " + std::to_string(i) +
                  " must start with its op on the previous layer (input " + std::to_string(i + 1) + ")");
    MacroLayer l{edges[0].op, {}};
    for (size_t e = 1; e < edges.size(); ++e) {
      if (edges[e].input < 2 || edges[e].input >= static_cast<int64_t>(i) + 2)
        throw Error("macro genotype: layer " + std::to_string(i) + " has a skip from input " +
                    std::to_string(edges[e].input) + ", which is not an earlier layer");
      l.skips.push_back(edges[e].input - 2);
    }
    layers.push_back(std::move(l));
  }
  return layers;
}

}  // namespace

std::string macro_network_text(const Genotype& g) {
  const auto layers = macro_layers(g);
  const auto reductions = macro_reductions_after(static_cast<int64_t>(layers.size()));
  std::ostringstream s;
  s << "ENAS macro network, " << layers.size() << " layers\n  stem      conv 3x3 + BN\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string label = "layer " + std::to_string(i);
    s << "  " << label << std::string(label.size() < 10 ? 10 - label.size() : 1, ' ') << layers[i].op;
    for (size_t k = 0; k < layers[i].skips.size(); ++k) s << (k ? ", " : "  + skip from layer ") << layers[i].skips[k];
    s << "\n";
    if (std::find(reductions.begin(), reductions.end(), static_cast<int64_t>(i)) != reductions.end())
      s << "            factorized reduction (resolution / 2)\n";
  }
  s << "  output    global average pool, dropout, FC";
  if (g.meta.contains("arc") && g.meta["arc"].is_array()) {
    s << "\n  arc:      ";
    for (size_t k = 0; k < g.meta["arc"].size(); ++k) s << (k ? " " : "") << g.meta["arc"][k].dump();
  }
  return s.str();
}

std::string macro_arc_text(const Genotype& g) {
  macro_layers(g);
  if (!g.meta.contains("arc") || !g.meta["arc"].is_array())
    throw Error("this macro genotype has no meta.arc (the authors' flat form), so it cannot be written as one");
  std::string s;
  for (const auto& v : g.meta["arc"]) s += (s.empty() ? "" : " ") + v.dump();
  return s;
}

std::string macro_network_to_dot(const Genotype& g, const std::string& caption) {
  const auto layers = macro_layers(g);
  const auto reductions = macro_reductions_after(static_cast<int64_t>(layers.size()));
  std::ostringstream s;
  s << "digraph macro {\n" << kDotHeader;
  s << "  label=\"" << dot_escape(caption) << "\"; fontsize=20; fontname=\"times\";\n";
  s << "  stem [label=\"stem\\nconv 3x3 + BN\", fillcolor=darkseagreen2];\n";
  std::string prev = "stem";
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string id = "L" + std::to_string(i);
    s << "  " << id << " [label=\"" << i << "\\n" << dot_escape(layers[i].op) << "\", fillcolor=lightblue];\n";
    s << "  " << prev << " -> " << id << ";\n";
    for (int64_t j : layers[i].skips)
      s << "  L" << j << " -> " << id << " [style=dashed, color=gray40, constraint=false];\n";
    prev = id;
    if (std::find(reductions.begin(), reductions.end(), static_cast<int64_t>(i)) != reductions.end()) {
      s << "  R" << i << " [label=\"factorized\\nreduction\", shape=ellipse, fillcolor=lightpink];\n";
      s << "  " << prev << " -> R" << i << ";\n";
      prev = "R" + std::to_string(i);
    }
  }
  s << "  out [label=\"avg pool\\ndropout\\nFC\", fillcolor=palegoldenrod];\n  " << prev << " -> out;\n}\n";
  return s.str();
}

void render_dot(const std::string& dot, const std::filesystem::path& file) {
  std::filesystem::path dot_file = file;
  dot_file.replace_extension(".dot");
  atomic_write_text(dot_file, dot);
  std::string format = file.extension().string();
  if (!format.empty() && format[0] == '.') format.erase(0, 1);
  if (format.empty() || format == "dot") return;
  if (format != "png" && format != "svg" && format != "pdf")
    throw Error("render_dot: unsupported format '" + format + "' for " + file.string() + " (use .png, .svg or .pdf)");
  atomic_write_file(file, [&](const std::filesystem::path& tmp) {
    // No shell: the paths reach dot as they are. A relative path starting with '-' would
    // read as an option, so it is anchored at "./".
    auto arg = [](const std::filesystem::path& p) {
      const std::string s = p.string();
      return (!s.empty() && s[0] == '-') ? "./" + s : s;
    };
    const ProgramExit exit = run_program({"dot", "-T" + format, "-o" + arg(tmp), arg(dot_file)});
    if (!exit.started)
      throw Error("render_dot: the Graphviz 'dot' program was not found; install graphviz (" + file.string() +
                  " not written, " + dot_file.string() + " is)");
    if (!exit.ok())
      throw Error("render_dot: 'dot' failed (" +
                  (exit.signal ? "signal " + std::to_string(exit.signal) : "exit " + std::to_string(exit.exit_code)) +
                  ") on " + dot_file.string());
  });
}

}  // namespace nas
