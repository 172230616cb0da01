// Environment and session: creation with the options facepipe needs, and release.
#include <stdio.h>

#include "cort_api.h"

int cort_env_create(const cort_runtime *runtime, int log_level, const char *log_id, OrtEnv **out,
                    char *error, size_t error_size) {
    *out = NULL;
    OrtStatus *status = CORT(runtime, CreateEnv)(log_level, log_id, out);
    return status == NULL ? 0 : cort_fail(runtime, status, "CreateEnv", error, error_size);
}

void cort_env_release(const cort_runtime *runtime, OrtEnv *env) {
    if (env != NULL) CORT(runtime, ReleaseEnv)(env);
}

int cort_session_create(const cort_runtime *runtime, const OrtEnv *env, const char *model_path,
                        int intra_op_threads, OrtSession **out, char *error, size_t error_size) {
    *out = NULL;
    OrtSessionOptions *options = NULL;
    OrtStatus *status = CORT(runtime, CreateSessionOptions)(&options);
    if (status != NULL) return cort_fail(runtime, status, "CreateSessionOptions", error, error_size);

    const char *step = "SetIntraOpNumThreads";
    status = CORT(runtime, SetIntraOpNumThreads)(options, intra_op_threads);
    // Sequential execution: one graph thread; parallelism comes from intra-op threads.
    if (status == NULL) {
        step = "SetInterOpNumThreads";
        status = CORT(runtime, SetInterOpNumThreads)(options, 1);
    }
    // Idle pool threads would otherwise spin for a while after each run: wasted CPU on a
    // machine shared with other work (no effect with one thread, which has no pool).
    if (status == NULL) {
        step = "AddSessionConfigEntry";
        status = CORT(runtime, AddSessionConfigEntry)(options, "session.intra_op.allow_spinning", "0");
    }
    if (status == NULL) {
        status = CORT(runtime, AddSessionConfigEntry)(options, "session.inter_op.allow_spinning", "0");
    }
    if (status == NULL) {
        step = "CreateSession";
        status = CORT(runtime, CreateSession)(env, model_path, options, out);
    }
    CORT(runtime, ReleaseSessionOptions)(options);
    if (status != NULL) {
        *out = NULL;
        return cort_fail(runtime, status, step, error, error_size);
    }
    return 0;
}

void cort_session_release(const cort_runtime *runtime, OrtSession *session) {
    if (session != NULL) CORT(runtime, ReleaseSession)(session);
}
