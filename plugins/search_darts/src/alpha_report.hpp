#pragma once
// Human-readable views of the architecture weights: a text table for the log, a CSV and a
// heat-map picture (Graphviz HTML table) per epoch.
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nas::darts {

/// Rows "n<i> <- <input>" (node i's edge from s0, s1, n0...), columns = ops; values =
/// softmax(alpha) per row.
std::string alpha_table(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                        const std::string& title);
std::string alpha_csv(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes);
/// DOT source of a heat map (white → dark red by probability).
std::string alpha_heatmap_dot(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                              const std::string& title);

}  // namespace nas::darts
