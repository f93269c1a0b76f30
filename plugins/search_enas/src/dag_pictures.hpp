#pragma once
// Pictures of derived DAGs: one PNG per epoch (nas::dag_to_dot + render_dot) and an HTML
// page that steps through the frames (the reference's GIF, without image tools).
// Rendering problems (Graphviz missing) are warnings: a search never fails for a picture.
#include <filesystem>
#include <string>

#include <spdlog/logger.h>

#include "dag.hpp"
#include "nashost/config.hpp"

namespace nas::enas {

/// Renders `dag` to `png`; returns the file name (relative to png's folder) or "" when
/// rendering failed (warned once through `warned`).
std::string draw_dag(const Dag& dag, const std::string& caption, const std::filesystem::path& png, spdlog::logger& log,
                     bool& warned);

/// frames: [{epoch, controller_step, batch_ppl, valid_ppl, image, dag}, ...]; written atomically.
void write_frames_html(const Json& frames, const std::filesystem::path& file, const std::string& title);

}  // namespace nas::enas
