// Opening the library and checking its OrtApi table; error messages.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cort_api.h"

int cort_fail_message(const char *message, char *error, size_t error_size) {
    if (error != NULL && error_size > 0) snprintf(error, error_size, "%s", message);
    return -1;
}

int cort_fail(const cort_runtime *runtime, OrtStatus *status, const char *what, char *error,
              size_t error_size) {
    if (error != NULL && error_size > 0) {
        const char *message = CORT(runtime, GetErrorMessage)(status);
        snprintf(error, error_size, "%s: %s", what, message != NULL ? message : "(no message)");
    }
    CORT(runtime, ReleaseStatus)(status);
    return -1;
}

// A status made through the table must read back: catches a wrong table or version early,
// instead of calling a misplaced entry later.
static int cort_self_check(const cort_runtime *runtime) {
    static const char probe[] = "cort self-check";
    OrtStatus *status = CORT(runtime, CreateStatus)(CORT_ERROR_INVALID_ARGUMENT, probe);
    if (status == NULL) return -1;
    int ok = CORT(runtime, GetErrorCode)(status) == CORT_ERROR_INVALID_ARGUMENT &&
             strcmp(CORT(runtime, GetErrorMessage)(status), probe) == 0;
    CORT(runtime, ReleaseStatus)(status);
    return ok ? 0 : -1;
}

cort_runtime *cort_load(const char *path, uint32_t api_version, char *error, size_t error_size) {
    char message[768];
    dlerror();
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        cort_fail_message(reason != NULL ? reason : "dlopen failed", error, error_size);
        return NULL;
    }
    // dlsym returns an object pointer; POSIX guarantees it converts to a function pointer.
    const OrtApiBase *(*get_api_base)(void) = NULL;
    *(void **)&get_api_base = dlsym(library, "OrtGetApiBase");
    const OrtApiBase *base = get_api_base != NULL ? get_api_base() : NULL;
    if (base == NULL) {
        snprintf(message, sizeof message, "%s has no OrtGetApiBase: not ONNX Runtime", path);
        cort_fail_message(message, error, error_size);
        dlclose(library);  // nothing of ONNX Runtime ran yet: safe to unmap
        return NULL;
    }
    const char *version = base->GetVersionString();
    const OrtApi *api = base->GetApi(api_version);
    if (api == NULL) {
        snprintf(message, sizeof message, "ONNX Runtime %s does not provide API version %u",
                 version != NULL ? version : "?", (unsigned)api_version);
        cort_fail_message(message, error, error_size);
        return NULL;
    }
    cort_runtime *runtime = malloc(sizeof *runtime);
    if (runtime == NULL) {
        cort_fail_message("out of memory", error, error_size);
        return NULL;
    }
    runtime->library = library;
    runtime->api = api;
    runtime->version = version != NULL ? version : "";
    if (cort_self_check(runtime) != 0) {
        snprintf(message, sizeof message,
                 "ONNX Runtime %s: the OrtApi table failed its self-check", runtime->version);
        cort_fail_message(message, error, error_size);
        free(runtime);
        return NULL;
    }
    return runtime;
}

void cort_runtime_free(cort_runtime *runtime) { free(runtime); }

const char *cort_version(const cort_runtime *runtime) { return runtime->version; }
