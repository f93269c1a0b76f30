#pragma once
// Scatter plots and bar charts rendered by gnuplot to PNG and SVG.
#include <filesystem>
#include <string>
#include <vector>

namespace nas::host {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
};

struct ScatterPlot {
  std::string title, xlabel, ylabel;
  bool logx = false;
  std::vector<PlotSeries> series;
};

/// Clustered bars: one group per category, one bar per series in each group.
struct BarPlot {
  std::string title, ylabel;
  std::vector<std::string> categories;
  std::vector<PlotSeries> series;  // y = one value per category (x unused)
};

/// Writes `<base>.png`, `<base>.svg` and the gnuplot script/data beside them.
/// Throws nas::Error if gnuplot is missing or fails (the data file is kept).
void render_scatter(const ScatterPlot& plot, const std::filesystem::path& base);
void render_bars(const BarPlot& plot, const std::filesystem::path& base);

}  // namespace nas::host
