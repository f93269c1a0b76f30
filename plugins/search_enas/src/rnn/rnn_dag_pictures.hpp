#pragma once
// Pictures of derived RNN cells: one PNG per epoch (nas::dag_to_dot + render_dot); the
// page that steps through them is common/frames_page.hpp.
// Rendering problems (Graphviz missing) are warnings: a search never fails for a picture.
#include <filesystem>
#include <string>

#include <spdlog/logger.h>

#include "rnn/rnn_dag.hpp"

namespace nas::enas {

/// Renders `dag` to `png`; returns the file name (relative to png's folder) or "" when
/// rendering failed (warned once through `warned`).
std::string draw_dag(const Dag& dag, const std::string& caption, const std::filesystem::path& png, spdlog::logger& log,
                     bool& warned);

}  // namespace nas::enas
