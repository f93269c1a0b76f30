#include "folder/jpeg_decode.hpp"

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>
// after jpeglib.h, which it needs
#include <jerror.h>

#include "nashost/error.hpp"

namespace nas::data {

namespace {

// libjpeg reports errors through a callback that must not return; it jumps back to the
// setjmp in the function that called libjpeg (C frames only in between, nothing to unwind).
struct ErrorManager {
  jpeg_error_mgr mgr{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings are recoverable damage libjpeg works around, except data that ends early (the
// file, or a scan's entropy-coded segment): the rest of the image would be made up. Refusing
// it also stops decompression bombs, a few hundred bytes whose header claims 5000 x 4000
// pixels that libjpeg would otherwise fill in one by one (a fuzzing finding: 20 s per file).
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JWRN_HIT_MARKER)) on_error(cinfo);
}

// A progressive JPEG may hold any number of scans, each a pass over the whole image; a forged
// file with thousands of tiny scans takes minutes. libjpeg-turbo's own tools stop at 500.
constexpr int kMaxScans = 500;

void limit_scans(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->is_decompressor && d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

/// One libjpeg decompressor over bytes in memory; released on every path.
class Decompressor {
 public:
  Decompressor(const std::vector<uint8_t>& bytes, std::string name) : name_(std::move(name)) {
    cinfo_.err = jpeg_std_error(&err_.mgr);
    err_.mgr.error_exit = on_error;
    err_.mgr.emit_message = on_message;
    progress_.progress_monitor = limit_scans;
    jpeg_create_decompress(&cinfo_);
    cinfo_.progress = &progress_;
    jpeg_mem_src(&cinfo_, bytes.data(), static_cast<unsigned long>(bytes.size()));
  }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo_); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  JpegHeader read_header() {
    if (setjmp(err_.jump)) fail();
    jpeg_read_header(&cinfo_, TRUE);
    return {static_cast<int>(cinfo_.image_height), static_cast<int>(cinfo_.image_width)};
  }

  void decode_into(int channels, uint8_t* out) {
    if (setjmp(err_.jump)) fail();
    cinfo_.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo_);
    const size_t row = static_cast<size_t>(cinfo_.output_width) * static_cast<size_t>(channels);
    while (cinfo_.output_scanline < cinfo_.output_height) {
      JSAMPROW rows[1] = {out + static_cast<size_t>(cinfo_.output_scanline) * row};
      jpeg_read_scanlines(&cinfo_, rows, 1);
    }
    jpeg_finish_decompress(&cinfo_);
  }

 private:
  [[noreturn]] void fail() const {
    throw DataError("cannot decode image " + name_ + ": " + err_.message +
                    " (libjpeg; PNG and JPEG are supported); replace or remove the file");
  }

  std::string name_;
  ErrorManager err_;
  jpeg_progress_mgr progress_{};
  jpeg_decompress_struct cinfo_{};
};

}  // namespace

bool looks_like_jpeg(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
}

JpegHeader read_jpeg_header(const std::vector<uint8_t>& bytes, const std::string& name) {
  Decompressor d(bytes, name);
  return d.read_header();
}

std::vector<uint8_t> decode_jpeg(const std::vector<uint8_t>& bytes, int channels, const std::string& name) {
  Decompressor d(bytes, name);
  const JpegHeader h = d.read_header();
  std::vector<uint8_t> pixels(static_cast<size_t>(h.height) * static_cast<size_t>(h.width) *
                              static_cast<size_t>(channels));
  d.decode_into(channels, pixels.data());
  return pixels;
}

}  // namespace nas::data
