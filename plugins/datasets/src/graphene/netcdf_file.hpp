#pragma once
// A read-only netCDF file (classic or netCDF-4/HDF5) through the netCDF C library, with
// DataErrors that name the file, the variable and the library's reason.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nas::data {

class NetcdfFile {
 public:
  struct Variable {
    int id = -1;
    std::string name;
    int type = 0;  ///< nc_type
    std::vector<size_t> shape;
    std::vector<std::string> dim_names;
    std::string describe() const;  ///< e.g. "fine_image(sample=100, y=30, x=80)"
  };

  explicit NetcdfFile(std::filesystem::path file);
  ~NetcdfFile();
  NetcdfFile(const NetcdfFile&) = delete;
  NetcdfFile& operator=(const NetcdfFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> variable_names() const;
  /// The numeric variable `name`; DataError listing the file's variables (and naming the
  /// dataset option `option_key` that selects it) when absent or not numeric.
  Variable variable(const std::string& name, const std::string& option_key) const;
  /// The hyperslab [start, start+count) converted to float / double.
  void read(const Variable& v, const std::vector<size_t>& start, const std::vector<size_t>& count, float* out) const;
  void read(const Variable& v, const std::vector<size_t>& start, const std::vector<size_t>& count, double* out) const;
  /// The variable's fill value (the `_FillValue` attribute, else the type's default) unless
  /// filling is off: values equal to it were never written.
  std::optional<double> fill_value(const Variable& v) const;

 private:
  [[noreturn]] void fail(const std::string& what, int status) const;
  std::filesystem::path path_;
  int id_ = -1;
};

}  // namespace nas::data
