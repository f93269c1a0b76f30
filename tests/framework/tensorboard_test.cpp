#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tensorboard_writer.hpp"

using namespace nas::host;

TEST(TensorBoard, KnownCrcOfEmptyString) {
  // TFRecord's masked CRC-32C of "" (CRC 0) = rotate(0) + 0xa282ead8.
  EXPECT_EQ(tfrecord_masked_crc(""), 0xa282ead8u);
}

TEST(TensorBoard, ScalarsRoundTripThroughEventFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("nashost_tb_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path file;
  {
    MetricsWriter w(dir / "tb", dir / "metrics.csv");
    w.scalar("train/loss", 2.5, 1);
    w.scalar("valid/accuracy", 0.75, 2);
    file = w.event_file();
  }
  const auto scalars = read_scalar_events(file);
  ASSERT_EQ(scalars.size(), 2u);
  EXPECT_EQ(scalars[0].tag, "train/loss");
  EXPECT_EQ(scalars[0].step, 1);
  EXPECT_FLOAT_EQ(scalars[0].value, 2.5f);
  EXPECT_EQ(scalars[1].tag, "valid/accuracy");
  EXPECT_FLOAT_EQ(scalars[1].value, 0.75f);
  std::ifstream csv(dir / "metrics.csv");
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_EQ(header, "wall_time,step,tag,value");
  EXPECT_NE(row.find(",1,train/loss,2.5"), std::string::npos) << row;
}

TEST(TensorBoard, CorruptFileIsDetected) {
  const auto dir = std::filesystem::temp_directory_path() / ("nashost_tbc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path file;
  {
    MetricsWriter w(dir / "tb", dir / "m.csv");
    w.scalar("x", 1.0, 0);
    file = w.event_file();
  }
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-6, std::ios::end);
  f.put('\x7f');
  f.close();
  EXPECT_THROW(read_scalar_events(file), std::exception);
}
