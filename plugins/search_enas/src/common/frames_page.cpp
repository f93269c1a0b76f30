#include "common/frames_page.hpp"

#include <sstream>

#include "nashost/io.hpp"

namespace nas::enas {

namespace {
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}
}  // namespace

void write_frames_html(const Json& frames, const std::filesystem::path& file, const std::string& title) {
  // Each frame: {epoch, caption, images: [png file names beside the page], text}; the page
  // steps through them with a slider or plays them as an animation.
  Json view = Json::array();
  for (const auto& f : frames)
    view.push_back(Json{{"epoch", f.value("epoch", Json(0))},
                        {"caption", f.value("caption", std::string())},
                        {"images", f.value("images", Json::array())},
                        {"text", f.value("text", std::string())}});
  const size_t last = view.empty() ? 0 : view.size() - 1;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape(title) << "</title>\n"
    << "<style>body{font-family:sans-serif;margin:1em} img{max-width:46vw;border:1px solid #ccc;margin-right:1em}"
    << " pre{background:#f4f4f4;padding:.5em}</style></head><body>\n<h2>" << escape(title) << "</h2>\n"
    << "<input id=\"s\" type=\"range\" min=\"0\" max=\"" << last << "\" value=\"" << last
    << "\" oninput=\"show(+this.value)\" style=\"width:60%\"> <button onclick=\"play()\">play</button>\n"
    << "<p id=\"cap\"></p><div id=\"imgs\"></div><pre id=\"text\"></pre>\n"
    << "<script>\nconst frames = " << view.dump() << ";\n"
    << "function show(i){const f=frames[i]; if(!f) return; document.getElementById('s').value=i;\n"
    << " document.getElementById('cap').textContent='epoch '+f.epoch+': '+f.caption;\n"
    << " const d=document.getElementById('imgs'); d.innerHTML='';\n"
    << " for(const src of f.images){const im=document.createElement('img'); im.src=src; d.appendChild(im);}\n"
    << " document.getElementById('text').textContent=f.text;}\n"
    << "function play(){let i=0; const t=setInterval(()=>{show(i++); if(i>=frames.length) clearInterval(t);},600);}\n"
    << "show(frames.length-1);\n</script>\n<h3>All epochs</h3><table border=\"1\" cellpadding=\"3\">"
    << "<tr><th>epoch</th><th>scores</th><th>architecture</th></tr>\n";
  for (const auto& f : view)
    h << "<tr><td>" << f["epoch"].dump() << "</td><td>" << escape(f["caption"].get<std::string>()) << "</td><td><code>"
      << escape(f["text"].get<std::string>()) << "</code></td></tr>\n";
  h << "</table></body></html>\n";
  std::filesystem::create_directories(file.parent_path());
  atomic_write_text(file, h.str());
}

}  // namespace nas::enas
