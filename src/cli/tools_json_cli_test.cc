// `--json` on the lower-level tools (`basin log ...`, `basin table ...`): every command
// prints JSON a script can parse, with record and key bytes kept whole.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using basin::testing::RunResult;
using nlohmann::json;

class ToolsJsonTest : public ::testing::Test {
 protected:
  RunResult Basin(const std::string& args, const std::string& input = "") {
    return basin::testing::RunBasin(BASIN_BINARY, dir_.path(), args, input);
  }
  // Each line of `out` parsed as JSON (a line that does not parse fails the test).
  static std::vector<json> Lines(const std::string& out) {
    std::vector<json> lines;
    for (size_t at = 0; at < out.size();) {
      size_t nl = out.find('\n', at);
      if (nl == std::string::npos) nl = out.size();
      json j = json::parse(out.substr(at, nl - at), nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out.substr(at, nl - at);
      lines.push_back(std::move(j));
      at = nl + 1;
    }
    return lines;
  }
  basin::testing::TempDir dir_;
};

TEST_F(ToolsJsonTest, LogCommandsPrintJsonThatKeepsRecordBytes) {
  const std::string log = dir_.path() + "/j.log";
  // Records are NUL-separated so that a newline and a byte that is not UTF-8 fit in them.
  const std::string bin("bytes \xff\xfe\n", 9);
  RunResult a = Basin("log append " + log + " -z --json", std::string("text\0", 5) + bin + '\0');
  ASSERT_EQ(a.code, 0) << a.err;
  std::vector<json> appended = Lines(a.out);
  ASSERT_EQ(appended.size(), 1u);
  EXPECT_EQ(appended[0]["appended"], 2);
  EXPECT_EQ(appended[0]["first_entry"], 0);
  EXPECT_EQ(appended[0]["last_entry"], 1);

  RunResult cat = Basin("log cat " + log + " --json");
  ASSERT_EQ(cat.code, 0) << cat.err;
  std::vector<json> records = Lines(cat.out);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["entry"], 0);
  EXPECT_EQ(records[0]["record"], "text");
  EXPECT_EQ(records[1]["entry"], 1);
  EXPECT_FALSE(records[1].contains("record"));
  EXPECT_EQ(records[1]["record_base64"], "Ynl0ZXMg//4K");  // base64 of "bytes \xff\xfe\n"
  // The address a line gives is one `--from-address` accepts.
  const std::string addr = std::to_string(records[1]["address"].get<uint64_t>());
  EXPECT_EQ(Basin("log cat " + log + " -z --from-address " + addr).out, bin + '\0');

  RunResult inspect = Basin("log inspect " + log + " --json");
  ASSERT_EQ(inspect.code, 0) << inspect.err;
  std::vector<json> info = Lines(inspect.out);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0]["records"], 2);
  EXPECT_EQ(info[0]["sealed"], true);
  ASSERT_TRUE(info[0]["blocks"].is_array());
  EXPECT_EQ(info[0]["blocks"].size(), 1u);

  RunResult verify = Basin("log verify " + log + " --json");
  ASSERT_EQ(verify.code, 0) << verify.err;
  EXPECT_EQ(Lines(verify.out).at(0)["records"], 2);

  RunResult recover = Basin("log recover " + log + " --mode strict --json");
  ASSERT_EQ(recover.code, 0) << recover.err;
  std::vector<json> report = Lines(recover.out);
  EXPECT_EQ(report.at(0)["was_sealed"], true);
  EXPECT_EQ(report.at(0)["changed"], false);
}

TEST_F(ToolsJsonTest, LogErrorsStayOnStderrUnderJson) {
  RunResult r = Basin("log verify " + dir_.path() + "/absent.log --json");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("absent.log"), std::string::npos) << r.err;
}

TEST_F(ToolsJsonTest, TableCommandsPrintJsonThatKeepsKeyBytes) {
  const std::string t = dir_.path() + "/j.tbl";
  std::string input;
  for (int i = 0; i < 200; ++i)
    input += "k" + std::to_string(1000 + i) + "\tv" + std::to_string(i) + "\n";
  input += "z\xff\tbinary key\n";
  RunResult b = Basin("table build " + t + " --block-size 512 --json", input);
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(Lines(b.out).at(0)["entries"], 201);

  RunResult g = Basin("table get " + t + " k1042 --json");
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_EQ(Lines(g.out).at(0), (json{{"key", "k1042"}, {"value", "v42"}}));

  RunResult s = Basin("table scan " + t + " --from k1198 --json");
  ASSERT_EQ(s.code, 0) << s.err;
  std::vector<json> rows = Lines(s.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["key"], "k1198");
  EXPECT_EQ(rows[1]["key"], "k1199");
  EXPECT_EQ(rows[2]["key_base64"], "ev8=");  // "z\xff"
  EXPECT_EQ(rows[2]["value"], "binary key");

  RunResult i = Basin("table inspect " + t + " --json");
  ASSERT_EQ(i.code, 0) << i.err;
  json p = Lines(i.out).at(0);
  EXPECT_EQ(p["entries"], 201);
  EXPECT_EQ(p["first_key"], "k1000");
  EXPECT_EQ(p["last_key_base64"], "ev8=");
  ASSERT_TRUE(p["blocks"].is_array());
  EXPECT_EQ(p["blocks"].size(), p["data_blocks"].get<size_t>());
  EXPECT_GT(p["data_blocks"].get<size_t>(), 1u);

  RunResult v = Basin("table verify " + t + " --json");
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(Lines(v.out).at(0)["ok"], true);
  EXPECT_EQ(Basin("table get " + t + " absent --json").out, "");
}

}  // namespace
}  // namespace basin
