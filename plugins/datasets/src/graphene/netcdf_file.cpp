#include "graphene/netcdf_file.hpp"

#include <fstream>

#include <netcdf.h>

#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

// The netCDF library reads a truncated *classic* file (CDF-1/2/5) without complaint: bytes
// past the end come back as zeros. So we parse the classic header ourselves (format
// specification "The NetCDF Classic Format") and compare where the last variable's data
// ends with the file size. HDF5-based files are checked by HDF5 itself at open.
struct ClassicEnd {
  uint64_t end = 0;      // first byte after the last variable's data
  std::string variable;  // the variable whose data ends there
};

class HeaderReader {
 public:
  HeaderReader(const std::vector<uint8_t>& bytes, int version) : b_(bytes), version_(version) {}
  bool ok() const { return ok_; }
  uint64_t u32() { return be(4); }
  uint64_t u64() { return be(8); }
  uint64_t count() { return version_ == 5 ? u64() : u32(); }   // NON_NEG: 8 bytes in CDF-5
  uint64_t offset() { return version_ == 1 ? u32() : u64(); }  // OFFSET: 8 bytes in CDF-2/5
  std::string name() {
    const uint64_t n = count();
    std::string s;
    if (ok_ && n <= b_.size() - pos_) s.assign(reinterpret_cast<const char*>(b_.data() + pos_), n);
    skip(n);
    return s;
  }
  void skip(uint64_t n) {
    // Compared before rounding: a length near 2^64 would wrap to a small number.
    if (!ok_ || n > b_.size() - pos_) {
      ok_ = false;
      return;
    }
    n = (n + 3) / 4 * 4;  // every item is padded to 4 bytes
    if (n > b_.size() - pos_)
      ok_ = false;
    else
      pos_ += n;
  }

 private:
  uint64_t be(int k) {
    if (!ok_ || b_.size() - pos_ < static_cast<size_t>(k)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < k; ++i) v = v << 8 | b_[pos_++];
    return v;
  }
  const std::vector<uint8_t>& b_;
  int version_;
  size_t pos_ = 4;  // after "CDF" + version byte
  bool ok_ = true;
};

// Bytes per element of a classic-format type; 0 for a type the format does not have (CDF-1/2:
// the six types of netCDF-3; CDF-5 adds the unsigned and 64-bit ones). The library accepts
// NC_STRING in a classic header and then divides by its size of 0 (a fuzzing finding).
uint64_t type_size(uint64_t type, int version) {
  if (version != 5 && type > NC_DOUBLE) return 0;
  switch (type) {
    case NC_BYTE:
    case NC_CHAR:
    case NC_UBYTE:
      return 1;
    case NC_SHORT:
    case NC_USHORT:
      return 2;
    case NC_INT:
    case NC_FLOAT:
    case NC_UINT:
      return 4;
    case NC_DOUBLE:
    case NC_INT64:
    case NC_UINT64:
      return 8;
    default:
      return 0;
  }
}

// A variable of a classic-format header: where its data begins and its size in bytes (the
// whole variable, or one record of a record variable).
struct ClassicVar {
  std::string name;
  uint64_t begin = 0, bytes = 0;
  bool record = false;
};
struct ClassicHeader {
  uint64_t numrecs = 0;
  std::vector<ClassicVar> vars;
};

// The header after its magic and version (`r` is positioned there); nullopt when it is not
// one we understand, with `damaged` set when it cannot be right: a length runs past the end of
// a file read whole, a dimension id is out of range, a type has no size, or a variable's
// unlimited dimension is not its first.
std::optional<ClassicHeader> read_classic_header(HeaderReader& r, int version, bool whole_file, bool& damaged) {
  ClassicHeader h;
  h.numrecs = version == 5 ? r.u64() : r.u32();
  std::vector<uint64_t> dims;
  int64_t record_dim = -1;
  r.u32();  // NC_DIMENSION or ABSENT
  for (uint64_t n = r.count(), d = 0; d < n && r.ok(); ++d) {
    r.name();
    dims.push_back(r.count());
    if (dims.back() == 0) record_dim = static_cast<int64_t>(d);
  }
  bool bad_type = false;
  auto skip_attributes = [&] {
    r.u32();  // NC_ATTRIBUTE or ABSENT
    for (uint64_t n = r.count(), a = 0; a < n && r.ok(); ++a) {
      r.name();
      const uint64_t size = type_size(r.u32(), version);
      if (size == 0 && r.ok()) bad_type = true;
      r.skip(r.count() * size);
    }
  };
  skip_attributes();  // global attributes
  r.u32();            // NC_VARIABLE or ABSENT
  for (uint64_t n = r.count(), v = 0; v < n && r.ok(); ++v) {
    ClassicVar var;
    var.name = r.name();
    uint64_t elements = 1;
    const uint64_t ndims = r.count();
    for (uint64_t k = 0; k < ndims && r.ok(); ++k) {
      const uint64_t id = r.count();
      if (id >= dims.size()) {
        damaged = whole_file;
        return std::nullopt;
      }
      if (static_cast<int64_t>(id) == record_dim) {
        // Only a variable's first dimension may be the unlimited one (netCDF's own rule); the
        // library divides by a later one's length of 0 when it meets one (a fuzzing finding).
        if (k > 0) {
          damaged = true;
          return std::nullopt;
        }
        var.record = true;
      } else {
        elements *= dims[id];
      }
    }
    skip_attributes();
    const uint64_t size = type_size(r.u32(), version);
    if (size == 0 && r.ok()) bad_type = true;
    var.bytes = elements * size;
    r.count();  // vsize (clamped for huge variables; recomputed above instead)
    var.begin = r.offset();
    h.vars.push_back(var);
  }
  if (!r.ok() || bad_type) {
    damaged = whole_file || bad_type;
    return std::nullopt;
  }
  return h;
}

// The end of the data the header describes, and the variable that ends there.
ClassicEnd data_end_of(const ClassicHeader& h, int version) {
  ClassicEnd end;
  // Record variables interleave: one record holds each record variable, padded to 4 bytes
  // (unpadded when there is only one).
  uint64_t recsize = 0, n_record = 0;
  for (const auto& v : h.vars)
    if (v.record) {
      recsize += (v.bytes + 3) / 4 * 4;
      ++n_record;
    }
  if (n_record == 1)
    for (const auto& v : h.vars)
      if (v.record) recsize = v.bytes;
  const bool streaming = h.numrecs == (version == 5 ? ~uint64_t{0} : 0xFFFFFFFFull);
  for (const auto& v : h.vars) {
    if (v.record && (h.numrecs == 0 || streaming)) continue;
    const uint64_t e = v.record ? v.begin + (h.numrecs - 1) * recsize + v.bytes : v.begin + v.bytes;
    if (v.bytes > 0 && e > end.end) end = {e, v.name};
  }
  return end;
}

// Where the data of a classic-format file ends according to its header; nullopt when the
// header is not one we understand (the library already accepted it, so we do not second-guess).
// `damaged` is set when the whole file was read and a length in its header runs past its end:
// the netCDF library itself must not see such a header (a name length of 2^64 - 1 crashes it).
std::optional<ClassicEnd> classic_data_end(const fs::path& file, bool* damaged = nullptr) {
  if (damaged) *damaged = false;
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> head(1 << 20);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  const bool whole_file = in.eof() || static_cast<size_t>(in.gcount()) < (1u << 20);
  if (head.size() < 8 || head[0] != 'C' || head[1] != 'D' || head[2] != 'F') return std::nullopt;
  const int version = head[3];
  if (version != 1 && version != 2 && version != 5) return std::nullopt;
  HeaderReader r(head, version);
  bool header_damaged = false;
  const auto header = read_classic_header(r, version, whole_file, header_damaged);
  if (damaged) *damaged = header_damaged;
  if (!header) return std::nullopt;
  return data_end_of(*header, version);
}

}  // namespace

std::string NetcdfFile::Variable::describe() const {
  std::string s = name + "(";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + dim_names[d] + "=" + std::to_string(shape[d]);
  return s + ")";
}

NetcdfFile::NetcdfFile(fs::path file) : path_(std::move(file)) {
  // Our own reading of a classic header first: the library trusts its lengths.
  if (bool damaged = false; (classic_data_end(path_, &damaged), damaged))
    throw DataError("cannot open netCDF file " + path_.string() +
                    ": its header is damaged (a count or length runs past the end of the file); download it again");
  const int status = nc_open(path_.c_str(), NC_NOWRITE, &id_);
  if (status != NC_NOERR) {
    id_ = -1;
    std::string hint;
    if (status == NC_ENOTNC || status == NC_EHDFERR || status == NC_EINVAL || status == NC_ENOTBUILT)
      hint = "; the file is truncated, corrupt or not netCDF: download it again";
    throw DataError("cannot open netCDF file " + path_.string() + ": " + nc_strerror(status) + hint);
  }
  int format = 0;
  if (nc_inq_format(id_, &format) == NC_NOERR &&
      (format == NC_FORMAT_CLASSIC || format == NC_FORMAT_64BIT_OFFSET || format == NC_FORMAT_CDF5)) {
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);
    if (const auto end = classic_data_end(path_); end && !ec && end->end > size) {
      nc_close(id_);
      id_ = -1;
      throw DataError("netCDF file " + path_.string() + " is truncated: the data of variable '" + end->variable +
                      "' ends at byte offset " + std::to_string(end->end) + " but the file has only " +
                      std::to_string(size) + " bytes; download it again");
    }
  }
}

NetcdfFile::~NetcdfFile() {
  if (id_ >= 0) nc_close(id_);
}

void NetcdfFile::fail(const std::string& what, int status) const {
  throw DataError("netCDF file " + path_.string() + ": " + what + ": " + nc_strerror(status) +
                  " (the file may be truncated or corrupt)");
}

std::vector<std::string> NetcdfFile::variable_names() const {
  int n = 0;
  if (int s = nc_inq_nvars(id_, &n); s != NC_NOERR) fail("cannot list variables", s);
  std::vector<std::string> names;
  for (int v = 0; v < n; ++v) {
    char name[NC_MAX_NAME + 1] = {};
    if (int s = nc_inq_varname(id_, v, name); s != NC_NOERR) fail("cannot read a variable name", s);
    names.emplace_back(name);
  }
  return names;
}

NetcdfFile::Variable NetcdfFile::variable(const std::string& name, const std::string& option_key) const {
  Variable v;
  v.name = name;
  const int status = nc_inq_varid(id_, name.c_str(), &v.id);
  if (status == NC_ENOTVAR) {
    std::string have;
    for (const auto& n : variable_names()) have += (have.empty() ? "" : ", ") + n;
    throw DataError("netCDF file " + path_.string() + " has no variable '" + name + "' (it has: " +
                    (have.empty() ? "none" : have) + "); choose one with the dataset option `" + option_key + "`");
  }
  if (status != NC_NOERR) fail("cannot look up variable '" + name + "'", status);
  nc_type type = 0;
  int ndims = 0;
  if (int s = nc_inq_var(id_, v.id, nullptr, &type, &ndims, nullptr, nullptr); s != NC_NOERR)
    fail("cannot inquire variable '" + name + "'", s);
  v.type = type;
  if (type == NC_CHAR || type == NC_STRING || type > NC_STRING)
    throw DataError("netCDF file " + path_.string() + ": variable '" + name + "' is not numeric");
  std::vector<int> dims(static_cast<size_t>(ndims));
  if (ndims > 0)
    if (int s = nc_inq_vardimid(id_, v.id, dims.data()); s != NC_NOERR)
      fail("cannot inquire variable '" + name + "'", s);
  for (int d : dims) {
    char dname[NC_MAX_NAME + 1] = {};
    size_t len = 0;
    if (int s = nc_inq_dim(id_, d, dname, &len); s != NC_NOERR) fail("cannot inquire a dimension of '" + name + "'", s);
    v.shape.push_back(len);
    v.dim_names.emplace_back(dname);
  }
  return v;
}

void NetcdfFile::read(const Variable& v, const std::vector<size_t>& start, const std::vector<size_t>& count,
                      float* out) const {
  if (int s = nc_get_vara_float(id_, v.id, start.data(), count.data(), out); s != NC_NOERR)
    fail("reading variable '" + v.name + "' from index " + std::to_string(start.empty() ? 0 : start[0]) + " failed", s);
}

void NetcdfFile::read(const Variable& v, const std::vector<size_t>& start, const std::vector<size_t>& count,
                      double* out) const {
  if (int s = nc_get_vara_double(id_, v.id, start.data(), count.data(), out); s != NC_NOERR)
    fail("reading variable '" + v.name + "' from index " + std::to_string(start.empty() ? 0 : start[0]) + " failed", s);
}

std::optional<double> NetcdfFile::fill_value(const Variable& v) const {
  int no_fill = 0;
  if (nc_inq_var_fill(id_, v.id, &no_fill, nullptr) == NC_NOERR && no_fill) return std::nullopt;
  double fill = 0;
  if (nc_get_att_double(id_, v.id, "_FillValue", &fill) == NC_NOERR) return fill;
  switch (v.type) {
    case NC_FLOAT:
      return static_cast<double>(NC_FILL_FLOAT);
    case NC_DOUBLE:
      return NC_FILL_DOUBLE;
    default:
      return std::nullopt;  // integer fill values are ordinary numbers; not checked
  }
}

}  // namespace nas::data
