#pragma once
// nashost/support/: for tests and benchmarks. The default dtype of new tensors while alive —
// float64 runs of code that creates its tensors with the default type (networks, data) —
// restored also when an assertion ends a test early.
#include <ATen/ATen.h>

namespace nas {

class DefaultDtype {
 public:
  explicit DefaultDtype(caffe2::TypeMeta dtype) : saved_(at::get_default_dtype()) { at::set_default_dtype(dtype); }
  ~DefaultDtype() { at::set_default_dtype(saved_); }
  DefaultDtype(const DefaultDtype&) = delete;
  DefaultDtype& operator=(const DefaultDtype&) = delete;

 private:
  caffe2::TypeMeta saved_;
};

}  // namespace nas
