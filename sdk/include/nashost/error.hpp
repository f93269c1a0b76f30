#pragma once
// Errors that a person can act on.
//
// Every failure that reaches a user is a nas::Error (or a subclass) whose message says
// what was wrong, where (file, key, line) and, where it helps, what to do instead.
// The host prints what() and exits non-zero; it never shows a raw stack trace.
#include <stdexcept>
#include <string>

#include "nashost/export.hpp"

namespace nas {

/// Base of every user-facing error thrown by the SDK, the host and plugins.
class NASHOST_SDK_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

/// Wrong or missing configuration: unknown key, wrong type, value out of range.
class NASHOST_SDK_API ConfigError : public Error {
 public:
  using Error::Error;
  ~ConfigError() override;
};

/// A data file that is missing, truncated or malformed.
class NASHOST_SDK_API DataError : public Error {
 public:
  using Error::Error;
  ~DataError() override;
};

/// The dataset's files (or folder) are not there at all. Only this may make a script fall
/// back to other (e.g. synthetic) data: files that exist but are truncated, corrupt or
/// malformed stay a plain DataError, which stops the run, so broken data is never silently
/// replaced by something else.
class NASHOST_SDK_API DataMissingError : public DataError {
 public:
  using DataError::DataError;
  ~DataMissingError() override;
};

/// Training diverged (NaN/Inf loss) or another numeric failure.
class NASHOST_SDK_API NumericError : public Error {
 public:
  using Error::Error;
  ~NumericError() override;
};

/// The run was asked to stop (Ctrl-C, SIGTERM from a scheduler). Thrown instead of
/// returning a partial result, so that nothing half-done is recorded as done; the host
/// keeps the last complete checkpoint and exits with 128 + the signal number.
class NASHOST_SDK_API Interrupted : public Error {
 public:
  using Error::Error;
  ~Interrupted() override;
};

}  // namespace nas
