#pragma once
// The HTML page that steps through a search's per-epoch pictures (the reference's GIF,
// without image tools); the RNN and the CNN searches write one.
#include <filesystem>
#include <string>

#include "nashost/config.hpp"

namespace nas::enas {

/// frames: [{epoch, controller_step, batch_ppl, valid_ppl, image, dag}, ...]; written atomically.
void write_frames_html(const Json& frames, const std::filesystem::path& file, const std::string& title);

}  // namespace nas::enas
