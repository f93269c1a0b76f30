#include "plot.hpp"

#include <cstdlib>
#include <sstream>

#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::host {

namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

/// Writes the gnuplot script and runs it; on failure the data file stays for the user.
void run_gnuplot(const std::string& script, const std::filesystem::path& base, const std::filesystem::path& data_file) {
  const auto script_file = std::filesystem::path(base.string() + ".gp");
  atomic_write_text(script_file, script);
  const std::string command = "gnuplot " + quoted(script_file.string()) + " 2>" + quoted(base.string() + ".gnuplot.log");
  const int rc = std::system(command.c_str());
  if (rc != 0)
    throw Error("gnuplot failed to draw '" + base.string() + ".png' (exit " + std::to_string(rc) +
                "; is gnuplot installed? see " + base.string() + ".gnuplot.log); the data is in " + data_file.string());
}

/// The same plot command for the PNG and the SVG.
std::string both_terminals(const std::filesystem::path& base, const std::string& plot_command) {
  std::ostringstream gp;
  gp << "set terminal pngcairo size 1000,650 noenhanced\nset output " << quoted(base.string() + ".png") << "\n"
     << plot_command << "\n";
  gp << "set terminal svg size 1000,650 noenhanced\nset output " << quoted(base.string() + ".svg") << "\n"
     << plot_command << "\n";
  return gp.str();
}
}  // namespace

void render_scatter(const ScatterPlot& plot, const std::filesystem::path& base) {
  const auto data_file = std::filesystem::path(base.string() + ".dat");
  std::ostringstream data;
  for (const auto& s : plot.series) {
    data << "# " << s.label << "\n";
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) data << s.x[i] << " " << s.y[i] << "\n";
    data << "\n\n";  // gnuplot data block separator (index)
  }
  atomic_write_text(data_file, data.str());

  std::ostringstream gp;
  gp << "set title " << quoted(plot.title) << "\nset xlabel " << quoted(plot.xlabel) << "\nset ylabel "
     << quoted(plot.ylabel) << "\nset grid\nset key outside right top\n";
  if (plot.logx) gp << "set logscale x\n";
  std::ostringstream cmd;
  for (size_t i = 0; i < plot.series.size(); ++i)
    cmd << (i ? ", " : "plot ") << quoted(data_file.string()) << " index " << i << " using 1:2 with points pt 7 ps 1.2 title "
        << quoted(plot.series[i].label);
  gp << both_terminals(base, cmd.str());
  run_gnuplot(gp.str(), base, data_file);
}

void render_bars(const BarPlot& plot, const std::filesystem::path& base) {
  const auto data_file = std::filesystem::path(base.string() + ".dat");
  std::ostringstream data;
  data << "# category";
  for (const auto& s : plot.series) data << " " << quoted(s.label);
  data << "\n";
  for (size_t c = 0; c < plot.categories.size(); ++c) {
    data << quoted(plot.categories[c]);
    for (const auto& s : plot.series) data << " " << (c < s.y.size() ? std::to_string(s.y[c]) : std::string("NaN"));
    data << "\n";
  }
  atomic_write_text(data_file, data.str());
  std::ostringstream gp;
  gp << "set title " << quoted(plot.title) << "\nset ylabel " << quoted(plot.ylabel)
     << "\nset grid ytics\nset key outside right top\nset style data histograms\n"
        "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n"
        "set xtics rotate by -30\nset xzeroaxis lt -1\n";
  std::ostringstream cmd;
  for (size_t i = 0; i < plot.series.size(); ++i)
    cmd << (i ? ", " : "plot ") << quoted(data_file.string()) << " using " << (i + 2) << (i ? "" : ":xtic(1)")
        << " title " << quoted(plot.series[i].label);
  gp << both_terminals(base, cmd.str());
  run_gnuplot(gp.str(), base, data_file);
}

}  // namespace nas::host
