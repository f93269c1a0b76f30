// graphene: the kirigami regression set from netCDF (files written here with the netCDF C
// API): sklearn's split index for index, padding, targets, the train/valid rule, errors.
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <netcdf.h>

#include "common/data_files.hpp"
#include "graphene/graphene.hpp"
#include "graphene/sklearn_split.hpp"
#include "nashost/error.hpp"
#include "nashost/support/standalone_context.hpp"
#include "plugin_loading.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using nas::Split;
using nas::data::load_graphene;

namespace {

#define NC_OK(call) ASSERT_EQ((call), NC_NOERR) << #call

// fine_image(i, y, x) = 1 where (i + y·x) % 3 != 0 (material), else 0 (cut); strain = 0.01·i + 0.5.
float fine(int64_t i, int64_t y, int64_t x) { return (i + y * x) % 3 != 0 ? 1.0f : 0.0f; }
float strain(int64_t i) { return 0.01f * static_cast<float>(i) + 0.5f; }

struct NcSpec {
  int n = 20, h = 6, w = 8;
  int format = NC_NETCDF4;  // or NC_64BIT_OFFSET (classic)
  bool with_strain = true;
  bool channel_axis = false;  // fine_image(sample, 1, y, x)
  float image_offset = 0.0f;  // 0.25 → non-integer pixels (kept as float)
  int nan_strain_at = -1;
  int strain_samples = -1;  // != n: a strain dimension of another length
};

void write_nc(const fs::path& file, const NcSpec& s) {
  fs::create_directories(file.parent_path());
  int id, d_sample, d_y, d_x, d_ch, d_cy, d_cx;
  NC_OK(nc_create(file.c_str(), NC_CLOBBER | s.format, &id));
  NC_OK(nc_def_dim(id, "sample", static_cast<size_t>(s.n), &d_sample));
  NC_OK(nc_def_dim(id, "y", static_cast<size_t>(s.h), &d_y));
  NC_OK(nc_def_dim(id, "x", static_cast<size_t>(s.w), &d_x));
  NC_OK(nc_def_dim(id, "channel", 1, &d_ch));
  NC_OK(nc_def_dim(id, "cy", 3, &d_cy));
  NC_OK(nc_def_dim(id, "cx", 5, &d_cx));
  int v_coarse, v_fine, v_strain = -1, v_stress;
  const int coarse_dims[] = {d_sample, d_cy, d_cx};
  NC_OK(nc_def_var(id, "coarse_image", NC_FLOAT, 3, coarse_dims, &v_coarse));
  const int fine3[] = {d_sample, d_y, d_x}, fine4[] = {d_sample, d_ch, d_y, d_x};
  NC_OK(nc_def_var(id, "fine_image", NC_FLOAT, s.channel_axis ? 4 : 3, s.channel_axis ? fine4 : fine3, &v_fine));
  int strain_dim = d_sample;
  if (s.strain_samples >= 0 && s.strain_samples != s.n) NC_OK(nc_def_dim(id, "other", s.strain_samples, &strain_dim));
  if (s.with_strain) NC_OK(nc_def_var(id, "strain", NC_FLOAT, 1, &strain_dim, &v_strain));
  NC_OK(nc_def_var(id, "stress", NC_DOUBLE, 1, &d_sample, &v_stress));
  NC_OK(nc_enddef(id));
  std::vector<float> coarse(static_cast<size_t>(s.n) * 15, 1.0f), img, st;
  for (int i = 0; i < s.n; ++i)
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x) img.push_back(fine(i, y, x) + s.image_offset);
  NC_OK(nc_put_var_float(id, v_coarse, coarse.data()));
  NC_OK(nc_put_var_float(id, v_fine, img.data()));
  const int n_strain = s.strain_samples >= 0 ? s.strain_samples : s.n;
  for (int i = 0; i < n_strain; ++i)
    st.push_back(i == s.nan_strain_at ? std::numeric_limits<float>::quiet_NaN() : strain(i));
  if (s.with_strain) NC_OK(nc_put_var_float(id, v_strain, st.data()));
  std::vector<double> stress;
  for (int i = 0; i < s.n; ++i) stress.push_back(100.0 + i);
  NC_OK(nc_put_var_double(id, v_stress, stress.data()));
  NC_OK(nc_close(id));
}

nas::Config options(const nas::Json& values) {
  return nas::Config::validated(values, nas::data::graphene_options(), "graphene");
}

std::string error_of(const nas::Json& values) {
  try {
    load_graphene(options(values), nullptr);
  } catch (const nas::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

}  // namespace

TEST(Graphene, SklearnSplitMatchesNumpyIndexForIndex) {
  using nas::data::numpy_permutation;
  // Reference values: numpy.random.RandomState(seed).permutation(n) (numpy 1.24).
  EXPECT_EQ(numpy_permutation(50, 42),
            (std::vector<int64_t>{13, 39, 30, 45, 17, 48, 26, 25, 32, 19, 12, 4,  37, 8,  3,  6,  41,
                                  46, 47, 15, 9,  16, 24, 34, 31, 0,  44, 27, 33, 5,  29, 11, 36, 1,
                                  21, 2,  43, 35, 23, 40, 10, 22, 18, 49, 20, 7,  42, 14, 28, 38}));
  EXPECT_EQ(numpy_permutation(20, 7),
            (std::vector<int64_t>{1, 17, 2, 5, 11, 0, 18, 6, 13, 19, 10, 14, 8, 16, 9, 12, 7, 3, 4, 15}));
  // The real file's 29,791 rows: train_test_split(test_size=0.2, random_state=42).
  const auto s = nas::data::sklearn_train_test_split(29791, 0.2, 42);
  ASSERT_EQ(s.test.size(), 5959u);
  ASSERT_EQ(s.train.size(), 23832u);
  EXPECT_EQ(std::vector<int64_t>(s.test.begin(), s.test.begin() + 8),
            (std::vector<int64_t>{1555, 10084, 16238, 21090, 19820, 7241, 7442, 28770}));
  EXPECT_EQ(std::vector<int64_t>(s.train.begin(), s.train.begin() + 5),
            (std::vector<int64_t>{15866, 12036, 5474, 12471, 16992}));
  EXPECT_EQ(std::vector<int64_t>(s.train.end() - 3, s.train.end()), (std::vector<int64_t>{860, 15795, 23654}));
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), 29791u);
}

TEST(Graphene, ReadsPaddedImagesAndStrainInSklearnOrder) {
  nas::test::TempDir tmp("graphene");
  write_nc(tmp.path / "graphene_processed.nc", NcSpec{});
  auto d = load_graphene(options({{"data_dir", tmp.path.string()}}), nullptr);
  const auto& info = d->info();
  EXPECT_EQ(info.name, "graphene");
  EXPECT_EQ(info.task, nas::Task::Regression);
  EXPECT_EQ(info.num_outputs, 1);
  EXPECT_EQ(info.input_shape, (std::vector<int64_t>{1, 8, 8}));  // 6 rows + one zero row top and bottom
  EXPECT_EQ(info.source, (tmp.path / "graphene_processed.nc").string());
  EXPECT_FALSE(info.synthetic);
  // ceil(0.2·20) = 4 test rows; the 16 training rows split in halves, first half = train (capstone).
  EXPECT_EQ(d->size(Split::Test), 4);
  EXPECT_EQ(d->size(Split::TrainFull), 16);
  EXPECT_EQ(d->size(Split::Train), 8);
  EXPECT_EQ(d->size(Split::Valid), 8);
  EXPECT_EQ(d->train_arrays().images.scalar_type(), at::kByte);  // binary patterns stored as uint8

  const auto split = nas::data::sklearn_train_test_split(20, 0.2, 42);
  auto check = [&](const nas::Batch& b, const std::vector<int64_t>& samples) {
    ASSERT_EQ(b.input.sizes(), (std::vector<int64_t>{static_cast<int64_t>(samples.size()), 1, 8, 8}));
    ASSERT_EQ(b.target.sizes(), (std::vector<int64_t>{static_cast<int64_t>(samples.size()), 1}));
    ASSERT_EQ(b.target.scalar_type(), at::kFloat);
    auto in = b.input.accessor<float, 4>();
    for (size_t r = 0; r < samples.size(); ++r) {
      const int64_t i = samples[r];
      EXPECT_FLOAT_EQ(b.target[static_cast<int64_t>(r)][0].item<float>(), strain(i)) << "row " << r;
      for (int64_t x = 0; x < 8; ++x) {
        EXPECT_EQ(in[r][0][0][x], 0.0f);
        EXPECT_EQ(in[r][0][7][x], 0.0f);
      }
      for (int64_t y = 0; y < 6; ++y)
        for (int64_t x = 0; x < 8; ++x) ASSERT_EQ(in[r][0][y + 1][x], fine(i, y, x)) << i << " " << y << " " << x;
    }
  };
  check(nas::test::whole_split(*d, Split::Test), split.test);
  check(nas::test::whole_split(*d, Split::Train), std::vector<int64_t>(split.train.begin(), split.train.begin() + 8));
  check(nas::test::whole_split(*d, Split::Valid), std::vector<int64_t>(split.train.begin() + 8, split.train.end()));

  // The other target of the file, another padding, another test split.
  auto stress = load_graphene(options({{"data_dir", tmp.path.string()},
                                       {"target_variable", "stress"},
                                       {"pad_rows", 0},
                                       {"pad_cols", 2},
                                       {"test_fraction", 0.5},
                                       {"test_seed", 7}}),
                              nullptr);
  EXPECT_EQ(stress->info().input_shape, (std::vector<int64_t>{1, 6, 12}));
  EXPECT_EQ(stress->size(Split::Test), 10);
  const auto split7 = nas::data::sklearn_train_test_split(20, 0.5, 7);
  const nas::Batch t = nas::test::whole_split(*stress, Split::Test);
  for (int r = 0; r < 10; ++r) EXPECT_FLOAT_EQ(t.target[r][0].item<float>(), 100.0f + split7.test[r]);
  EXPECT_EQ(t.input[0][0][0][1].item<float>(), 0.0f);
  EXPECT_EQ(t.input[0][0][3][2 + 5].item<float>(), fine(split7.test[0], 3, 5));
}

TEST(Graphene, ClassicFormatChannelAxisAndFloatPixels) {
  nas::test::TempDir tmp("graphene-classic");
  NcSpec spec;
  spec.format = NC_64BIT_OFFSET;
  spec.channel_axis = true;
  spec.image_offset = 0.25f;  // not integers: kept as float32
  write_nc(tmp.path / "g.nc", spec);
  auto d = load_graphene(
      options({{"data_dir", tmp.path.string()}, {"file", "g.nc"}, {"split_shuffle", true}, {"valid_fraction", 0.25}}),
      nullptr);
  EXPECT_EQ(d->info().input_shape, (std::vector<int64_t>{1, 8, 8}));
  EXPECT_EQ(d->train_arrays().images.scalar_type(), at::kFloat);
  EXPECT_EQ(d->size(Split::Train), 12);
  EXPECT_EQ(d->size(Split::Valid), 4);
  const auto split = nas::data::sklearn_train_test_split(20, 0.2, 42);
  const nas::Batch t = nas::test::whole_split(*d, Split::Test);
  EXPECT_FLOAT_EQ(t.input[2][0][3][4].item<float>(), fine(split.test[2], 2, 4) + 0.25f);
  EXPECT_EQ(t.input[2][0][0][4].item<float>(), 0.0f);  // padding stays zero

  // normalize: the training part's own statistics (padding excluded).
  auto n = load_graphene(options({{"data_dir", tmp.path.string()}, {"file", "g.nc"}, {"normalize", true}}), nullptr);
  const at::Tensor inner = n->train_arrays().images.narrow(2, 1, 6).to(at::kDouble);
  EXPECT_NEAR(n->transform().mean[0], inner.mean().item<double>(), 1e-9);
  EXPECT_NEAR(n->transform().std[0], inner.std(/*unbiased=*/false).item<double>(), 1e-9);

  // subset: 10 training rows (first of the shuffled training part), round(10·4/16) = 3 test rows.
  auto s = load_graphene(options({{"data_dir", tmp.path.string()}, {"file", "g.nc"}, {"subset", 10}}), nullptr);
  EXPECT_EQ(s->size(Split::TrainFull), 10);
  EXPECT_EQ(s->size(Split::Train), 5);
  EXPECT_EQ(s->size(Split::Test), 3);
}

TEST(Graphene, ErrorsNameTheFileVariableAndSample) {
  nas::test::TempDir tmp("graphene-errors");
  // Missing file: every path tried.
  std::string msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find((tmp.path / "graphene_processed.nc").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find((tmp.path / "graphene" / "graphene_processed.nc").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("capstone2019-google"), std::string::npos) << msg;

  const fs::path file = tmp.path / "graphene_processed.nc";
  NcSpec no_strain;
  no_strain.with_strain = false;
  write_nc(file, no_strain);
  msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find("netCDF file " + file.string() + " has no variable 'strain'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fine_image"), std::string::npos) << msg;  // lists what the file has
  EXPECT_NE(msg.find("target_variable"), std::string::npos) << msg;
  msg = error_of({{"data_dir", tmp.path.string()}, {"image_variable", "pixels"}, {"target_variable", "stress"}});
  EXPECT_NE(msg.find("no variable 'pixels'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("image_variable"), std::string::npos) << msg;
  msg = error_of({{"data_dir", tmp.path.string()}, {"image_variable", "stress"}, {"target_variable", "stress"}});
  EXPECT_NE(msg.find("(sample, height, width)"), std::string::npos) << msg;

  NcSpec nan;
  nan.nan_strain_at = 13;
  write_nc(file, nan);
  msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("'strain' sample 13 is not finite"), std::string::npos) << msg;

  NcSpec mismatch;
  mismatch.strain_samples = 19;
  write_nc(file, mismatch);
  msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find("different numbers of samples"), std::string::npos) << msg;
  EXPECT_NE(msg.find("strain(other=19)"), std::string::npos) << msg;

  // Truncated netCDF-4 and classic files, and a file that is not netCDF at all.
  for (int format : {NC_NETCDF4, NC_64BIT_OFFSET}) {
    NcSpec big;
    big.n = 200;
    big.format = format;
    write_nc(file, big);
    const auto bytes = nas::data::read_bytes(file);
    for (size_t keep : {bytes.size() / 2, bytes.size() - 1}) {
      nas::test::write_file(file, std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(keep)));
      msg = error_of({{"data_dir", tmp.path.string()}});
      EXPECT_NE(msg.find(file.string()), std::string::npos) << "format " << format << ", " << keep << ": " << msg;
      EXPECT_NE(msg.find("truncated"), std::string::npos) << "format " << format << ", " << keep << ": " << msg;
    }
  }
  // Classic format: the message gives the byte offset where the data should end.
  msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find("is truncated: the data of variable 'stress' ends at byte offset"), std::string::npos) << msg;
  nas::test::write_file(file, std::vector<uint8_t>(300, 'z'));
  msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find("cannot open netCDF file " + file.string()), std::string::npos) << msg;

  write_nc(file, NcSpec{});
  EXPECT_THROW(load_graphene(options({{"data_dir", tmp.path.string()}, {"test_fraction", 1.0}}), nullptr),
               nas::ConfigError);
  EXPECT_THROW(load_graphene(options({{"data_dir", tmp.path.string()}, {"pad_rows", -1}}), nullptr), nas::ConfigError);
}

// Found by fuzzing (tests/fuzz/findings/fuzz_netcdf): a CDF-5 header whose dimension name
// length is 2^64 - 1 crashed the netCDF library inside nc_open. Our own header check refuses
// it first, naming the file.
// Both crashed the netCDF library inside nc_open (fuzzing findings): a CDF-5 name length of
// 2^64 - 1, and a variable of type NC_STRING in a CDF-2 file (the library divides by its size, 0).
TEST(Graphene, DamagedClassicHeaderIsRefusedBeforeTheLibrarySeesIt) {
  for (const char* finding : {"cdf5-dimension-name-length-2^64-1.nc", "classic-sigfpe-in-NC_check_vlen.nc"}) {
    nas::test::TempDir tmp("graphene-damaged-header");
    const fs::path file = tmp.path / "graphene_processed.nc";
    fs::copy_file(fs::path(NASHOST_SOURCE_DIR) / "tests/fuzz/findings/fuzz_netcdf" / finding, file);
    const std::string msg = error_of({{"data_dir", tmp.path.string()}});
    EXPECT_NE(msg.find("cannot open netCDF file " + file.string() + ": its header is damaged"), std::string::npos)
        << finding << ": " << msg;
  }
}

TEST(DatasetPlugins, GraphenePluginIsARegressionSet) {
  auto l = nas::test::load_plugin("nashost_dataset_graphene.so");
  ASSERT_EQ(l->registrar.datasets.count("graphene"), 1u);
  nas::StandaloneContext ctx(NASHOST_BINARY_DIR);
  nas::test::TempDir tmp("graphene-plugin");
  write_nc(tmp.path / "graphene" / "graphene_processed.nc", NcSpec{});
  auto d = nas::test::build_dataset(*l, "graphene", {{"data_dir", tmp.path.string()}}, ctx);
  EXPECT_EQ(d->info().task, nas::Task::Regression);
  EXPECT_EQ(d->size(nas::Split::Test), 4);
  EXPECT_THROW(nas::test::build_dataset(*l, "graphene", {{"data_dir", "/nonexistent"}}, ctx), nas::DataError);
}
