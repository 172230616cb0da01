// Header facts and metadata fields.
#include <vips/vips.h>
#include "cvips.h"

static int bits_per_sample(VipsImage *image) {
    int depth = 0;
    if (vips_image_get_typeof(image, "heif-bitdepth") &&
        vips_image_get_int(image, "heif-bitdepth", &depth) == 0 && depth > 0)
        return depth;
    return (int)vips_format_sizeof(vips_image_get_format(image)) * 8;
}

static int page_count(VipsImage *image) {
    int pages = 1;
    if (vips_image_get_typeof(image, VIPS_META_N_PAGES) &&
        vips_image_get_int(image, VIPS_META_N_PAGES, &pages) == 0 && pages > 0)
        return pages;
    return 1;
}

void cvips_header_get(struct _VipsImage *image, cvips_header *header) {
    header->width = vips_image_get_width(image);
    header->height = vips_image_get_page_height(image);
    header->bands = vips_image_get_bands(image);
    header->bits_per_sample = bits_per_sample(image);
    header->has_alpha = vips_image_hasalpha(image) ? 1 : 0;
    int orientation = vips_image_get_orientation(image);
    header->orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
    header->pages = page_count(image);
    header->interpretation = vips_enum_nick(VIPS_TYPE_INTERPRETATION,
                                            vips_image_get_interpretation(image));
}

const char *cvips_get_string(struct _VipsImage *image, const char *name) {
    const char *value = NULL;
    GType type = vips_image_get_typeof(image, name);
    if (type != G_TYPE_STRING && type != VIPS_TYPE_REF_STRING) return NULL;
    if (vips_image_get_string(image, name, &value) != 0) {
        vips_error_clear();
        return NULL;
    }
    return value;
}

char **cvips_fields(struct _VipsImage *image) { return vips_image_get_fields(image); }

void cvips_strfreev(char **strings) { g_strfreev(strings); }

void cvips_remove(struct _VipsImage *image, const char *name) {
    vips_image_remove(image, name);
}

void cvips_set_int(struct _VipsImage *image, const char *name, int value) {
    vips_image_set_int(image, name, value);
}

void cvips_set_blob(struct _VipsImage *image, const char *name,
                    const void *data, size_t length) {
    vips_image_set_blob_copy(image, name, data, length);
}
