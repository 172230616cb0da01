// Opening images: loader detection and lazy (header-only) loads.
#include <vips/vips.h>
#include "cvips.h"

// The loaders images may use. PDF and TIFF are unblocked for documents only
// (cvips_load_document), so image loads never reach poppler or libtiff even
// though their classes are not blocked.
static int is_image_loader(const char *class_name) {
    static const char *image_loaders[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
        "VipsForeignLoadNsgif", "VipsForeignLoadHeif", NULL,
    };
    for (int i = 0; image_loaders[i] != NULL; i++)
        if (g_str_has_prefix(class_name, image_loaders[i])) return 1;
    return 0;
}

static const char *nickname(const char *class_name) {
    if (class_name == NULL || !is_image_loader(class_name)) return NULL;
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
    if (cvips_find_file_loader(path) == NULL) {
        vips_error("cvips", "not an accepted image format");
        return NULL;
    }
    return vips_image_new_from_file(path, "access", access_mode(sequential),
                                    "fail_on", fail_on, NULL);
}

struct _VipsImage *cvips_load_document(const void *data, size_t length, int kind,
                                       int page, double dpi, int fail_on) {
    // Only the two document loaders, by name: the bytes were sniffed already.
    const char *loader = kind == CVIPS_DOCUMENT_PDF ? "pdfload_buffer" : "tiffload_buffer";
    VipsBlob *blob = vips_blob_copy(data, length);
    VipsImage *out = NULL;
    int result = kind == CVIPS_DOCUMENT_PDF
        ? vips_call(loader, blob, &out, "page", page, "n", 1, "dpi", dpi,
                    "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL)
        : vips_call(loader, blob, &out, "page", page, "n", 1,
                    "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", fail_on, NULL);
    vips_area_unref(VIPS_AREA(blob));
    return result == 0 ? out : NULL;
}
