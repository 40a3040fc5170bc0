// docs/ops.md cannot drift from the code: every op of ops.def has exactly one
// row, every row is an op of ops.def, and the `ref` column says "yes" exactly
// for the ops the reference backend has a kernel for.
#include <fstream>
#include <map>
#include <sstream>

#include "backend/ref/ref.h"
#include "test_util.h"

namespace segrt {
namespace {

struct Row {
  std::vector<std::string> cells;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Rows of the first table whose header starts with "| op |", keyed by op name.
std::map<std::string, Row> read_table(std::vector<std::string>* header, std::vector<std::string>* dupes) {
  std::ifstream f(std::string(SEGRT_SOURCE_DIR) + "/docs/ops.md");
  EXPECT_TRUE(f.good()) << "docs/ops.md is missing";
  std::map<std::string, Row> rows;
  std::string line;
  bool in_table = false;
  while (std::getline(f, line)) {
    if (line.rfind("| op |", 0) == 0) in_table = true;
    if (!in_table) continue;
    if (line.empty() || line[0] != '|') break;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(trim(cell));
    if (header->empty()) {
      *header = cells;
      continue;
    }
    if (cells[0].rfind("---", 0) == 0) continue;
    if (rows.count(cells[0])) dupes->push_back(cells[0]);
    rows[cells[0]] = {cells};
  }
  return rows;
}

TEST(OpsDoc, EveryOpHasOneRowAndEveryRowIsAnOp) {
  std::vector<std::string> header, dupes;
  auto rows = read_table(&header, &dupes);
  EXPECT_TRUE(dupes.empty()) << "ops listed twice in docs/ops.md: " << ::testing::PrintToString(dupes);
  for (int i = 0; i < kNumOps; ++i)
    EXPECT_TRUE(rows.count(op_name(static_cast<OpType>(i))))
        << op_name(static_cast<OpType>(i)) << " (src/ir/ops.def) has no row in docs/ops.md";
  for (const auto& [name, row] : rows) {
    OpType op;
    EXPECT_TRUE(op_from_name(name, &op)) << "docs/ops.md lists '" << name << "', which is not in src/ir/ops.def";
  }
}

TEST(OpsDoc, RefColumnMatchesTheReferenceKernels) {
  std::vector<std::string> header, dupes;
  auto rows = read_table(&header, &dupes);
  size_t ref_col = 0;
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == "ref") ref_col = i;
  ASSERT_GT(ref_col, 0u) << "docs/ops.md table has no 'ref' column";
  for (int i = 0; i < kNumOps; ++i) {
    const std::string name = op_name(static_cast<OpType>(i));
    if (!rows.count(name)) continue;  // reported by the test above
    const auto& cells = rows[name].cells;
    ASSERT_GT(cells.size(), ref_col) << name;
    const bool has_kernel = ref::kernel(static_cast<OpType>(i)) != nullptr;
    EXPECT_EQ(cells[ref_col], has_kernel ? "yes" : "-")
        << name << ": docs/ops.md says ref '" << cells[ref_col] << "', the reference backend "
        << (has_kernel ? "has" : "lacks") << " a kernel";
  }
}

}  // namespace
}  // namespace segrt
