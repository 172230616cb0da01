// Process start-up, error buffer and reference counting.
#include <vips/vips.h>
#include <vips/vector.h>
#include <string.h>
#include "cvips.h"

static cvips_log_fn log_callback = NULL;

static void forward_log(const gchar *domain, GLogLevelFlags flags,
                        const gchar *message, gpointer user_data) {
    (void)domain;
    (void)user_data;
    cvips_log_fn callback = log_callback;
    if (callback == NULL || message == NULL) return;
    int level = 3;
    if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) level = 0;
    else if (flags & G_LOG_LEVEL_WARNING) level = 1;
    else if (flags & G_LOG_LEVEL_MESSAGE) level = 2;
    callback(level, message);
}

// Only these loaders may parse untrusted bytes; everything else (ImageMagick,
// SVG, matrix, vips, ...) is blocked. PDF (poppler) and TIFF serve documents
// only: cvips_load.c never picks them for images, and documents name them.
static const char *allowed_loaders[] = {
    "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif", "VipsForeignLoadHeif", "VipsForeignLoadPdf",
    "VipsForeignLoadTiff", NULL,
};

int cvips_start(const char *argv0, int concurrency, int cache_max_operations,
                size_t cache_max_memory, int cache_max_files, int vectorized,
                cvips_log_fn log) {
    log_callback = log;
    g_log_set_handler("VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      forward_log, NULL);
    if (VIPS_INIT(argv0 != NULL ? argv0 : "facepipe")) return -1;
    vips_concurrency_set(concurrency);
    // liborc (Debian 12: 0.4.33) generates SIMD code at run time; with several
    // images in flight it crashed the process in its own code (bench duplicates:
    // SIGSEGV inside liborc within minutes, every run). Off unless asked for.
    vips_vector_set_enabled(vectorized ? TRUE : FALSE);
    vips_cache_set_max(cache_max_operations);
    vips_cache_set_max_mem(cache_max_memory);
    vips_cache_set_max_files(cache_max_files);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (int i = 0; allowed_loaders[i] != NULL; i++)
        vips_operation_block_set(allowed_loaders[i], FALSE);
    return 0;
}

int cvips_vector_enabled(void) { return vips_vector_isenabled() ? 1 : 0; }

// libvips keeps one process-wide error buffer (10 KB) that also collects
// warnings from operations that succeed. A caller notes its length before an
// operation and takes only what was added after it.
size_t cvips_error_mark(void) { return strlen(vips_error_buffer()); }

char *cvips_error_take(size_t mark) {
    const char *buffer = vips_error_buffer();
    size_t length = strlen(buffer);
    char *message = g_strdup(mark <= length ? buffer + mark : buffer);
    vips_error_clear();
    return message;
}

void cvips_error_tidy(void) {
    if (strlen(vips_error_buffer()) > 4096) vips_error_clear();
}

void cvips_free(void *memory) { g_free(memory); }

void cvips_unref(struct _VipsImage *image) {
    if (image != NULL) g_object_unref(image);
}
