// Opening images: loader detection and lazy (header-only) loads.
#include <vips/vips.h>
#include "cvips.h"

static const char *nickname(const char *class_name) {
    if (class_name == NULL) return NULL;
    const VipsObjectClass *class = vips_class_find("VipsForeignLoad", class_name);
    return class != NULL ? class->nickname : NULL;
}

const char *cvips_find_loader(const void *data, size_t length) {
    return nickname(vips_foreign_find_load_buffer(data, length));
}

const char *cvips_find_file_loader(const char *path) {
    return nickname(vips_foreign_find_load(path));
}

static VipsAccess access_mode(int sequential) {
    return sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
}

struct _VipsImage *cvips_load(const void *data, size_t length, int fail_on,
                              int sequential) {
    const char *loader = cvips_find_loader(data, length);
    if (loader == NULL) return NULL;
    // The loader keeps a reference to the blob, so the copy lives exactly
    // as long as the image (and anything cached) needs it.
    VipsBlob *blob = vips_blob_copy(data, length);
    VipsImage *out = NULL;
    int result = vips_call(loader, blob, &out, "access", access_mode(sequential),
                           "fail_on", fail_on, NULL);
    vips_area_unref(VIPS_AREA(blob));
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_load_file(const char *path, int fail_on, int sequential) {
    return vips_image_new_from_file(path, "access", access_mode(sequential),
                                    "fail_on", fail_on, NULL);
}
