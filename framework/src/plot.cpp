#include "plot.hpp"

#include <sstream>

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/process.hpp"

namespace nas::host {

namespace {
// Everything gnuplot reads from us is inert data. gnuplot expands backquotes (runs a
// command) and @macros on its command lines, including inside double-quoted strings, but
// not inside single-quoted ones, where only '' is special. A newline would end the string
// and start a new command line, so control characters never reach the script: in labels
// they become spaces; a path holding one is refused.

/// A label, title or category as a single-quoted gnuplot string.
std::string inert_text(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      out += ' ';
    else if (c == '\'')
      out += "''";
    else
      out += c;
  }
  return out + "'";
}

/// A file name as a single-quoted gnuplot string.
std::string inert_path(const std::filesystem::path& p) {
  for (char c : p.string()) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      throw Error("cannot plot to '" + p.string() + "': the path contains a control character (newline, tab, ...)");
  }
  return inert_text(p.string());
}

/// A string field of the data file: gnuplot splits data lines on blanks and reads
/// "..." as one field (data files are never expanded, but a quote or a newline would
/// shift the columns).
std::string data_field(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c == '"' ? '\'' : c;
  }
  return out + "\"";
}

/// Writes the gnuplot script and runs gnuplot on it, without a shell; on failure the data
/// file stays for the user.
void run_gnuplot(const std::string& script, const std::filesystem::path& base, const std::filesystem::path& data_file) {
  const auto script_file = std::filesystem::path(base.string() + ".gp");
  const auto log_file = std::filesystem::path(base.string() + ".gnuplot.log");
  atomic_write_text(script_file, script);
  // A relative name starting with '-' would read as an option.
  const std::string script_arg =
      script_file.is_relative() ? (std::filesystem::path(".") / script_file).string() : script_file.string();
  const ProgramExit exit = run_program({"gnuplot", script_arg}, log_file);
  if (!exit.started)
    throw Error("cannot draw '" + base.string() +
                ".png': gnuplot is not installed (apt install gnuplot-nox); the data is in " + data_file.string());
  if (!exit.ok())
    throw Error("gnuplot failed to draw '" + base.string() + ".png' (" +
                (exit.signal ? "signal " + std::to_string(exit.signal) : "exit " + std::to_string(exit.exit_code)) +
                "; see " + log_file.string() + "); the data is in " + data_file.string());
}

/// The same plot command for the PNG and the SVG.
std::string both_terminals(const std::filesystem::path& base, const std::string& plot_command) {
  std::ostringstream gp;
  gp << "set terminal pngcairo size 1000,650 noenhanced\nset output " << inert_path(base.string() + ".png") << "\n"
     << plot_command << "\n";
  gp << "set terminal svg size 1000,650 noenhanced\nset output " << inert_path(base.string() + ".svg") << "\n"
     << plot_command << "\n";
  return gp.str();
}
}  // namespace

void render_scatter(const ScatterPlot& plot, const std::filesystem::path& base) {
  const auto data_file = std::filesystem::path(base.string() + ".dat");
  std::ostringstream data;
  for (const auto& s : plot.series) {
    data << "# " << data_field(s.label) << "\n";
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) data << s.x[i] << " " << s.y[i] << "\n";
    data << "\n\n";  // gnuplot data block separator (index)
  }
  atomic_write_text(data_file, data.str());

  std::ostringstream gp;
  gp << "set title " << inert_text(plot.title) << "\nset xlabel " << inert_text(plot.xlabel) << "\nset ylabel "
     << inert_text(plot.ylabel) << "\nset grid\nset key outside right top\n";
  if (plot.logx) gp << "set logscale x\n";
  gp << "set format x '%.0s%c'\n";  // 20k, 1.5M: parameter counts stay readable on the axis
  std::ostringstream cmd;
  for (size_t i = 0; i < plot.series.size(); ++i)
    cmd << (i ? ", " : "plot ") << inert_path(data_file) << " index " << i
        << " using 1:2 with points pt 7 ps 1.2 title " << inert_text(plot.series[i].label);
  gp << both_terminals(base, cmd.str());
  run_gnuplot(gp.str(), base, data_file);
}

void render_bars(const BarPlot& plot, const std::filesystem::path& base) {
  const auto data_file = std::filesystem::path(base.string() + ".dat");
  std::ostringstream data;
  data << "# category";
  for (const auto& s : plot.series) data << " " << data_field(s.label);
  data << "\n";
  for (size_t c = 0; c < plot.categories.size(); ++c) {
    data << data_field(plot.categories[c]);
    for (const auto& s : plot.series) data << " " << (c < s.y.size() ? std::to_string(s.y[c]) : std::string("NaN"));
    data << "\n";
  }
  atomic_write_text(data_file, data.str());
  std::ostringstream gp;
  gp << "set title " << inert_text(plot.title) << "\nset ylabel " << inert_text(plot.ylabel)
     << "\nset grid ytics\nset key outside right top\nset style data histograms\n"
        "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n"
        "set xtics rotate by -30\nset xzeroaxis lt -1\n";
  std::ostringstream cmd;
  for (size_t i = 0; i < plot.series.size(); ++i)
    cmd << (i ? ", " : "plot ") << inert_path(data_file) << " using " << (i + 2) << (i ? "" : ":xtic(1)") << " title "
        << inert_text(plot.series[i].label);
  gp << both_terminals(base, cmd.str());
  run_gnuplot(gp.str(), base, data_file);
}

}  // namespace nas::host
