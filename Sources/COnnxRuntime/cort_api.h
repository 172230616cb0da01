// The part of onnxruntime_c_api.h that COnnxRuntime uses, declared here because no package
// ships that header. OrtApi is a table of function pointers that only ever grows at the end,
// so an entry's position never changes: the positions below were counted in ONNX Runtime's
// include/onnxruntime/core/session/onnxruntime_c_api.h (struct OrtApi) and agree with the
// C# binding's csharp/src/Microsoft.ML.OnnxRuntime/NativeMethods.shared.cs (struct OrtApi).
// All of them were in the table since API version 1-3; cort_load also checks 0, 1, 2 and 93
// at run time by creating a status and reading it back.
#ifndef CORT_API_H
#define CORT_API_H

#include <stddef.h>
#include <stdint.h>

#include "connxruntime.h"

typedef struct OrtStatus OrtStatus;  // NULL means success
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtRunOptions OrtRunOptions;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;

// Enum values from the same header (C enums: passed as int).
enum {
    CORT_ERROR_INVALID_ARGUMENT = 2,   // OrtErrorCode ORT_INVALID_ARGUMENT
    CORT_ARENA_ALLOCATOR = 1,          // OrtAllocatorType OrtArenaAllocator
    CORT_MEM_TYPE_DEFAULT = 0,         // OrtMemType OrtMemTypeDefault
    CORT_TENSOR_FLOAT = 1,             // ONNXTensorElementDataType ..._FLOAT
};

// Positions in the OrtApi table.
enum {
    CORT_CreateStatus = 0,
    CORT_GetErrorCode = 1,
    CORT_GetErrorMessage = 2,
    CORT_CreateEnv = 3,
    CORT_CreateSession = 7,
    CORT_Run = 9,
    CORT_CreateSessionOptions = 10,
    CORT_SetIntraOpNumThreads = 24,
    CORT_SetInterOpNumThreads = 25,
    CORT_CreateTensorWithDataAsOrtValue = 49,
    CORT_GetTensorMutableData = 51,
    CORT_GetTensorElementType = 60,
    CORT_GetDimensionsCount = 61,
    CORT_GetDimensions = 62,
    CORT_GetTensorTypeAndShape = 65,
    CORT_CreateCpuMemoryInfo = 69,
    CORT_ReleaseEnv = 92,
    CORT_ReleaseStatus = 93,
    CORT_ReleaseMemoryInfo = 94,
    CORT_ReleaseSession = 95,
    CORT_ReleaseValue = 96,
    CORT_ReleaseTensorTypeAndShapeInfo = 99,
    CORT_ReleaseSessionOptions = 100,
    CORT_AddSessionConfigEntry = 130,
    CORT_ENTRIES_USED = 131,  // the table is far longer; only these are ever read
};

/// The OrtApi struct as what it is in memory: an array of function pointers.
typedef void (*cort_fn)(void);
typedef struct OrtApi {
    cort_fn entry[CORT_ENTRIES_USED];
} OrtApi;

typedef struct OrtApiBase {
    const OrtApi *(*GetApi)(uint32_t version);
    const char *(*GetVersionString)(void);
} OrtApiBase;

// The signatures of the entries used, as documented.
typedef OrtStatus *(*cort_CreateStatus_fn)(int code, const char *message);
typedef int (*cort_GetErrorCode_fn)(const OrtStatus *status);
typedef const char *(*cort_GetErrorMessage_fn)(const OrtStatus *status);
typedef OrtStatus *(*cort_CreateEnv_fn)(int log_severity_level, const char *log_id, OrtEnv **out);
typedef OrtStatus *(*cort_CreateSession_fn)(const OrtEnv *env, const char *model_path,
                                            const OrtSessionOptions *options, OrtSession **out);
typedef OrtStatus *(*cort_Run_fn)(OrtSession *session, const OrtRunOptions *run_options,
                                  const char *const *input_names, const OrtValue *const *inputs,
                                  size_t input_count, const char *const *output_names,
                                  size_t output_count, OrtValue **outputs);
typedef OrtStatus *(*cort_CreateSessionOptions_fn)(OrtSessionOptions **out);
typedef OrtStatus *(*cort_SetIntraOpNumThreads_fn)(OrtSessionOptions *options, int threads);
typedef OrtStatus *(*cort_SetInterOpNumThreads_fn)(OrtSessionOptions *options, int threads);
typedef OrtStatus *(*cort_CreateTensorWithDataAsOrtValue_fn)(
    const OrtMemoryInfo *info, void *data, size_t data_length, const int64_t *shape,
    size_t shape_length, int element_type, OrtValue **out);
typedef OrtStatus *(*cort_GetTensorMutableData_fn)(OrtValue *value, void **out);
typedef OrtStatus *(*cort_GetTensorElementType_fn)(const OrtTensorTypeAndShapeInfo *info, int *out);
typedef OrtStatus *(*cort_GetDimensionsCount_fn)(const OrtTensorTypeAndShapeInfo *info, size_t *out);
typedef OrtStatus *(*cort_GetDimensions_fn)(const OrtTensorTypeAndShapeInfo *info, int64_t *dims,
                                            size_t count);
typedef OrtStatus *(*cort_GetTensorTypeAndShape_fn)(const OrtValue *value,
                                                    OrtTensorTypeAndShapeInfo **out);
typedef OrtStatus *(*cort_CreateCpuMemoryInfo_fn)(int allocator_type, int mem_type,
                                                  OrtMemoryInfo **out);
typedef OrtStatus *(*cort_AddSessionConfigEntry_fn)(OrtSessionOptions *options, const char *key,
                                                    const char *value);
typedef void (*cort_ReleaseEnv_fn)(OrtEnv *);
typedef void (*cort_ReleaseStatus_fn)(OrtStatus *);
typedef void (*cort_ReleaseMemoryInfo_fn)(OrtMemoryInfo *);
typedef void (*cort_ReleaseSession_fn)(OrtSession *);
typedef void (*cort_ReleaseValue_fn)(OrtValue *);
typedef void (*cort_ReleaseTensorTypeAndShapeInfo_fn)(OrtTensorTypeAndShapeInfo *);
typedef void (*cort_ReleaseSessionOptions_fn)(OrtSessionOptions *);

struct cort_runtime {
    void *library;
    const OrtApi *api;
    const char *version;
};

/// The entry NAME of the runtime's table, as its documented function type.
#define CORT(runtime, NAME) ((cort_##NAME##_fn)(runtime)->api->entry[CORT_##NAME])

/// Writes "what: ONNX Runtime's message" into error, releases status, returns -1.
int cort_fail(const cort_runtime *runtime, OrtStatus *status, const char *what, char *error,
              size_t error_size);
/// Writes a message of our own into error, returns -1.
int cort_fail_message(const char *message, char *error, size_t error_size);

#endif
