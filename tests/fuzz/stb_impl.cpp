// stb_image and stb_image_resize compiled into the image fuzz target, so the sanitizers and
// the fuzzer's coverage see inside them. The host links Debian's prebuilt libstb instead:
// the same headers (v2.27) with every optional macro unset (README.Debian), i.e. every
// format stb knows (JPEG, PNG, BMP, GIF, PSD, PIC, PNM, HDR, TGA) is decoded, whatever the
// file is called; this file uses the same defaults on purpose.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_resize.h>
