// The graph machinery on its own: SCCs (Tarjan), shortest-cycle search
// restricted by edge kinds, cycle classification (Ref: Adya §4 / Elle
// §4.2), and the real-time frontier (Ref: Elle §3.5).
#include <gtest/gtest.h>

#include "jepsen/elle/internal.h"

namespace jepsen::elle::internal {
namespace {

TEST(GraphTest, MergesParallelEdgesAndFindsComponents) {
  Graph g(4);
  g.Add(0, 1, kWW);
  g.Add(0, 1, kRW);
  g.Add(1, 0, kWR);
  g.Add(2, 3, kWW);
  g.Add(3, 3, kWW);  // self edges are ignored
  g.Finish();
  EXPECT_EQ(g.edges(), 3u);
  EXPECT_EQ(g.Mask(0, 1), kWW | kRW);
  EXPECT_EQ(g.Mask(1, 2), 0);
  int32_t count = 0;
  std::vector<int32_t> comp =
      StronglyConnectedComponents(g, kDataEdges, &count);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(comp[0], comp[1]);
  EXPECT_NE(comp[2], comp[3]);
  std::vector<int32_t> ww_only = StronglyConnectedComponents(g, kWW, &count);
  EXPECT_NE(ww_only[0], ww_only[1]);
}

TEST(GraphTest, LongChainDoesNotOverflowTheStack) {
  const int n = 200000;
  Graph g(n);
  for (int i = 0; i + 1 < n; ++i) g.Add(i, i + 1, kWW);
  g.Add(n - 1, 0, kRW);
  g.Finish();
  int32_t count = 0;
  StronglyConnectedComponents(g, kDataEdges, &count);
  EXPECT_EQ(count, 1);
}

TEST(GraphTest, ShortestCycleAndClassification) {
  // 0 -rw-> 1 -wr-> 2 -ww-> 0, plus a longer detour 1 -ww-> 3 -ww-> 0.
  Graph g(4);
  g.Add(0, 1, kRW);
  g.Add(1, 2, kWR);
  g.Add(2, 0, kWW);
  g.Add(1, 3, kWW);
  g.Add(3, 2, kWW);
  g.Finish();
  std::vector<Cycle> single =
      SearchCycles(g, {kDataEdges, kRW, kWW | kWR}, 5, 100);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].nodes, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(ClassifyCycle(single[0]), "G-single");
  EXPECT_TRUE(SearchCycles(g, {kWW, kWW, kWW}, 5, 100).empty());
}

TEST(GraphTest, ClassifyNames) {
  EXPECT_EQ(ClassifyCycle({{0, 1}, {kWW, kWW}}), "G0");
  EXPECT_EQ(ClassifyCycle({{0, 1}, {kWW, kWR}}), "G1c");
  EXPECT_EQ(ClassifyCycle({{0, 1, 2}, {kRW, kRW, kWR}}), "G2-item");
  EXPECT_EQ(ClassifyCycle({{0, 1}, {kRW, kRealtime}}), "G-single-realtime");
  EXPECT_EQ(ClassifyCycle({{0, 1}, {kWW, kProcess}}), "G0-process");
}

TEST(GraphTest, RealtimeEdgesCoverTheOrder) {
  // T0 [0,1], T1 [2,5], T2 [3,4], T3 [6,7]: T0 < T1, T0 < T2, T2 < T3, T1 < T3.
  TxnHistory t;
  auto add = [&](int64_t process, size_t invoke, size_t complete) {
    Txn txn;
    txn.outcome = history::Outcome::kOk;
    txn.process = process;
    txn.invoke = invoke;
    txn.complete = complete;
    t.txns.push_back(txn);
  };
  add(0, 0, 1);
  add(1, 2, 5);
  add(2, 3, 4);
  add(3, 6, 7);
  Graph g(4);
  AddOrderEdges(t, &g);
  g.Finish();
  EXPECT_EQ(g.Mask(0, 1), kRealtime);
  EXPECT_EQ(g.Mask(0, 2), kRealtime);
  EXPECT_EQ(g.Mask(2, 3), kRealtime);
  EXPECT_EQ(g.Mask(1, 3), kRealtime);
  EXPECT_EQ(g.Mask(0, 3), 0);  // implied through T1 / T2
  EXPECT_EQ(g.Mask(1, 2), 0);  // concurrent
}

}  // namespace
}  // namespace jepsen::elle::internal
