// A fresh scratch directory per test, removed afterwards.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace hg::test {

class TmpDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() / ("hg_io_" + std::to_string(::getpid()) + "_" +
                                                     info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

// Asserts that `stmt` throws hg::Error whose message contains every one of `needles`.
#define HG_EXPECT_ERROR(stmt, ...)                                                      \
  do {                                                                                  \
    try {                                                                               \
      stmt;                                                                             \
      ADD_FAILURE() << "expected hg::Error from " #stmt;                                \
    } catch (const ::hg::Error& e) {                                                    \
      const std::string msg = e.what();                                                 \
      for (const std::string& needle : std::initializer_list<std::string>{__VA_ARGS__}) \
        EXPECT_NE(msg.find(needle), std::string::npos)                                  \
            << "message: " << msg << "\nmissing: " << needle;                           \
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "multi-line message: " << msg;    \
    }                                                                                   \
  } while (0)

}  // namespace hg::test
