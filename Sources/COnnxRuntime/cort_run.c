// Running a session on one float tensor and reading float outputs.
#include <stdio.h>

#include "cort_api.h"

int cort_run(const cort_runtime *runtime, OrtSession *session, const char *input_name,
             const float *input, const int64_t *shape, size_t rank,
             const char *const *output_names, size_t output_count, OrtValue **outputs,
             char *error, size_t error_size) {
    for (size_t i = 0; i < output_count; i++) outputs[i] = NULL;
    size_t elements = 1;
    for (size_t i = 0; i < rank; i++) {
        if (shape[i] <= 0 || (size_t)shape[i] > SIZE_MAX / sizeof(float) / elements) {
            return cort_fail_message("cort_run: invalid input shape", error, error_size);
        }
        elements *= (size_t)shape[i];
    }

    OrtMemoryInfo *memory = NULL;
    OrtValue *tensor = NULL;
    const char *step = "CreateCpuMemoryInfo";
    OrtStatus *status =
        CORT(runtime, CreateCpuMemoryInfo)(CORT_ARENA_ALLOCATOR, CORT_MEM_TYPE_DEFAULT, &memory);
    if (status == NULL) {
        // The tensor borrows the caller's buffer (no copy); ONNX Runtime only reads inputs.
        step = "CreateTensorWithDataAsOrtValue";
        status = CORT(runtime, CreateTensorWithDataAsOrtValue)(
            memory, (void *)input, elements * sizeof(float), shape, rank, CORT_TENSOR_FLOAT,
            &tensor);
    }
    if (status == NULL) {
        step = "Run";
        const OrtValue *inputs[1] = {tensor};
        status = CORT(runtime, Run)(session, NULL, &input_name, inputs, 1, output_names,
                                    output_count, outputs);
    }
    if (tensor != NULL) CORT(runtime, ReleaseValue)(tensor);
    if (memory != NULL) CORT(runtime, ReleaseMemoryInfo)(memory);
    if (status != NULL) {
        for (size_t i = 0; i < output_count; i++) {
            cort_value_release(runtime, outputs[i]);
            outputs[i] = NULL;
        }
        return cort_fail(runtime, status, step, error, error_size);
    }
    return 0;
}

int cort_tensor_float(const cort_runtime *runtime, OrtValue *value, int64_t *dims, size_t capacity,
                      size_t *rank, const float **data, char *error, size_t error_size) {
    OrtTensorTypeAndShapeInfo *info = NULL;
    OrtStatus *status = CORT(runtime, GetTensorTypeAndShape)(value, &info);
    if (status != NULL) return cort_fail(runtime, status, "GetTensorTypeAndShape", error, error_size);
    int type = 0;
    const char *step = "GetTensorElementType";
    status = CORT(runtime, GetTensorElementType)(info, &type);
    if (status == NULL) {
        step = "GetDimensionsCount";
        status = CORT(runtime, GetDimensionsCount)(info, rank);
    }
    if (status == NULL && type == CORT_TENSOR_FLOAT && *rank <= capacity) {
        step = "GetDimensions";
        status = CORT(runtime, GetDimensions)(info, dims, *rank);
    }
    CORT(runtime, ReleaseTensorTypeAndShapeInfo)(info);
    if (status != NULL) return cort_fail(runtime, status, step, error, error_size);
    if (type != CORT_TENSOR_FLOAT) {
        char message[96];
        snprintf(message, sizeof message, "output is not a float tensor (element type %d)", type);
        return cort_fail_message(message, error, error_size);
    }
    if (*rank > capacity) return cort_fail_message("output has too many dimensions", error, error_size);
    void *raw = NULL;
    status = CORT(runtime, GetTensorMutableData)(value, &raw);
    if (status != NULL) return cort_fail(runtime, status, "GetTensorMutableData", error, error_size);
    *data = (const float *)raw;
    return 0;
}

void cort_value_release(const cort_runtime *runtime, OrtValue *value) {
    if (value != NULL) CORT(runtime, ReleaseValue)(value);
}
