#include "dag_pictures.hpp"

#include <sstream>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"

namespace nas::enas {

std::string draw_dag(const Dag& dag, const std::string& caption, const std::filesystem::path& png,
                     spdlog::logger& log, bool& warned) {
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

namespace {
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}
}  // namespace

void write_frames_html(const Json& frames, const std::filesystem::path& file, const std::string& title) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape(title) << "</title>\n"
    << "<style>body{font-family:sans-serif;margin:1em} #img{max-width:95vw;border:1px solid #ccc}"
    << " pre{background:#f4f4f4;padding:.5em}</style></head><body>\n<h2>" << escape(title) << "</h2>\n"
    << "<input id=\"s\" type=\"range\" min=\"0\" max=\"" << (frames.empty() ? 0 : frames.size() - 1)
    << "\" value=\"" << (frames.empty() ? 0 : frames.size() - 1) << "\" oninput=\"show(+this.value)\" style=\"width:60%\">"
    << " <button onclick=\"play()\">play</button>\n<p id=\"cap\"></p><img id=\"img\" alt=\"\"><pre id=\"dag\"></pre>\n"
    << "<script>\nconst frames = " << frames.dump() << ";\n"
    << "function show(i){const f=frames[i]; if(!f) return; document.getElementById('s').value=i;\n"
    << " document.getElementById('cap').textContent='epoch '+f.epoch+', controller step '+f.controller_step.toLocaleString()"
    << "+', batch ppl '+f.batch_ppl.toFixed(2)+(f.valid_ppl===null?'':', valid ppl '+f.valid_ppl.toFixed(2));\n"
    << " const im=document.getElementById('img'); im.style.display=f.image?'':'none'; if(f.image) im.src=f.image;\n"
    << " document.getElementById('dag').textContent='node:activation<parent  '+f.dag;}\n"
    << "function play(){let i=0; const t=setInterval(()=>{show(i++); if(i>=frames.length) clearInterval(t);},500);}\n"
    << "show(frames.length-1);\n</script>\n<h3>All epochs</h3><table border=\"1\" cellpadding=\"3\">"
    << "<tr><th>epoch</th><th>batch ppl</th><th>valid ppl</th><th>DAG</th></tr>\n";
  for (const auto& f : frames) {
    h << "<tr><td>" << f["epoch"].dump() << "</td><td>" << f["batch_ppl"].dump() << "</td><td>"
      << f["valid_ppl"].dump() << "</td><td><code>" << escape(f["dag"].get<std::string>()) << "</code></td></tr>\n";
  }
  h << "</table></body></html>\n";
  std::filesystem::create_directories(file.parent_path());
  atomic_write_text(file, h.str());
}

}  // namespace nas::enas
