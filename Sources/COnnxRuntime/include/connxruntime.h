// COnnxRuntime: ONNX Runtime's C API loaded with dlopen, behind fixed-argument wrappers.
//
// No package ships onnxruntime_c_api.h, and linking the library at build time would tie the
// Swift build to it. So the library is opened at run time (cort_load), and the few entries of
// its versioned, append-only OrtApi function table that facepipe needs are called by their
// documented position (see cort_api.h). Handles are opaque pointers (OpaquePointer in Swift).
//
// Every function taking `error`/`error_size` returns 0 on success and -1 on failure, leaving a
// NUL-terminated message (ONNX Runtime's own, when it has one) in `error`.
#ifndef CONNXRUNTIME_H
#define CONNXRUNTIME_H

#include <stddef.h>
#include <stdint.h>

/// The OrtApi version requested: ONNX Runtime 1.20's table. Any library >= 1.20 serves it
/// (the table is append-only), including the pinned 1.31.1.
#define CORT_API_VERSION 20

/// A loaded library and its OrtApi table. Never unloaded (see cort_runtime_free).
typedef struct cort_runtime cort_runtime;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtValue OrtValue;

/// dlopen(path) (RTLD_NOW | RTLD_LOCAL), OrtGetApiBase, GetApi(api_version), then a self-check
/// of the table (a status created through it must read back). NULL on failure.
cort_runtime *cort_load(const char *path, uint32_t api_version, char *error, size_t error_size);
/// Frees the wrapper only: the library stays mapped, because ONNX Runtime keeps process-wide
/// state (the env singleton, thread pools) that must not be unmapped under other users.
void cort_runtime_free(cort_runtime *runtime);
/// The library's version string, e.g. "1.31.1".
const char *cort_version(const cort_runtime *runtime);

/// log_level: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal (ONNX Runtime logs to stderr).
int cort_env_create(const cort_runtime *runtime, int log_level, const char *log_id, OrtEnv **out,
                    char *error, size_t error_size);
void cort_env_release(const cort_runtime *runtime, OrtEnv *env);

/// A CPU session from a model file. intra_op_threads: 1 = the calling thread only; 0 = ONNX
/// Runtime's default (one per core). Pools never spin-wait (the machine is shared).
int cort_session_create(const cort_runtime *runtime, const OrtEnv *env, const char *model_path,
                        int intra_op_threads, OrtSession **out, char *error, size_t error_size);
void cort_session_release(const cort_runtime *runtime, OrtSession *session);

/// Runs `session` with one float tensor (`input`, `shape`/`rank`, read-only during the call)
/// and fills `outputs[0..<output_count]` with new values, released with cort_value_release.
/// On failure every output is NULL. Safe to call concurrently on one session.
int cort_run(const cort_runtime *runtime, OrtSession *session, const char *input_name,
             const float *input, const int64_t *shape, size_t rank,
             const char *const *output_names, size_t output_count, OrtValue **outputs,
             char *error, size_t error_size);

/// A float tensor's shape (up to `capacity` dimensions) and its data (valid until release).
/// Fails for non-float or non-tensor values.
int cort_tensor_float(const cort_runtime *runtime, OrtValue *value, int64_t *dims, size_t capacity,
                      size_t *rank, const float **data, char *error, size_t error_size);
void cort_value_release(const cort_runtime *runtime, OrtValue *value);

#endif
