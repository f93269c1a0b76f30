// netCDF files as the graphene dataset reads them (plugins/datasets/src/graphene/): our own
// classic-header parser (the truncation check in netcdf_file.cpp) runs on every file the
// netCDF library accepts, then read_graphene loads fine_image/strain, and every variable of
// the file is inquired and its first element read. The netCDF and HDF5 libraries are Debian's
// uninstrumented builds: a crash inside them still shows, but not their coverage.
#include "fuzz_util.hpp"
#include "graphene/graphene.hpp"
#include "graphene/netcdf_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = nas::fuzz::write_file("graphene.nc", data, size);
  nas::fuzz::guarded([&] { (void)nas::data::read_graphene(file, nas::data::GrapheneReadOptions{}); });
  nas::fuzz::guarded([&] {
    nas::data::NetcdfFile nc(file);
    for (const auto& name : nc.variable_names()) {
      nas::fuzz::guarded([&] {
        const auto v = nc.variable(name, "image_variable");
        (void)v.describe();
        (void)nc.fill_value(v);
        std::vector<size_t> start(v.shape.size(), 0), count(v.shape.size(), 1);
        for (size_t len : v.shape)
          if (len == 0) return;
        double value = 0;
        nc.read(v, start, count, &value);
      });
    }
  });
  return 0;
}
