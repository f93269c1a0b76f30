#include "rnn/rnn_dag_pictures.hpp"

#include <sstream>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"

namespace nas::enas {

std::string draw_dag(const Dag& dag, const std::string& caption, const std::filesystem::path& png, spdlog::logger& log,
                     bool& warned) {
  try {
    std::filesystem::create_directories(png.parent_path());
    render_dot(dag_to_dot(dag, caption), png);
    return png.filename().string();
  } catch (const std::exception& e) {
    if (!warned) log.warn("enas: cannot draw the derived DAG ({}); continuing without pictures", e.what());
    warned = true;
    return "";
  }
}

}  // namespace nas::enas
