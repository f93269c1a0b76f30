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
}  // namespace

void render_scatter(const ScatterPlot& plot, const std::filesystem::path& base) {
  const auto data_file = std::filesystem::path(base.string() + ".dat");
  const auto script_file = std::filesystem::path(base.string() + ".gp");
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
  gp << "set terminal pngcairo size 1000,650 noenhanced\nset output " << quoted(base.string() + ".png") << "\n"
     << cmd.str() << "\n";
  gp << "set terminal svg size 1000,650 noenhanced\nset output " << quoted(base.string() + ".svg") << "\n"
     << cmd.str() << "\n";
  atomic_write_text(script_file, gp.str());
  const std::string command = "gnuplot " + quoted(script_file.string()) + " 2>" + quoted(base.string() + ".gnuplot.log");
  const int rc = std::system(command.c_str());
  if (rc != 0)
    throw Error("gnuplot failed to draw '" + base.string() + ".png' (exit " + std::to_string(rc) +
                "; is gnuplot installed? see " + base.string() + ".gnuplot.log); the data is in " + data_file.string());
}

}  // namespace nas::host
