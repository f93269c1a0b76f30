// stb_image_resize compiled into the image fuzz target, so the sanitizers and the fuzzer's
// coverage see inside it (the host links Debian's prebuilt libstb; same header, v2.27).
// Decoding is libpng's and libjpeg-turbo's (plugins/datasets/src/folder/).
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>
