// Image operations: thumbnails, colour conversion, pixels.
#include <string.h>
#include <vips/vips.h>
#include "cvips.h"

static VipsSize size_mode(int size) {
    switch (size) {
    case CVIPS_SIZE_DOWN: return VIPS_SIZE_DOWN;
    case CVIPS_SIZE_FORCE: return VIPS_SIZE_FORCE;
    default: return VIPS_SIZE_BOTH;
    }
}

// 0: no crop, 1: centre, 2: libvips' attention (the region with the most skin, saturation and
// edges: a tile of a photo with no face found keeps its subject).
static VipsInteresting crop_mode(int crop_centre) {
    if (crop_centre == 2) return VIPS_INTERESTING_ATTENTION;
    return crop_centre ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE;
}

// The JPEG DCT-domain shrink (1, 2, 4 or 8) that keeps the long side at least `target`.
// vips_thumbnail only pre-shrinks by a factor it can follow with another 2× (a 4000 px
// photo bound for 1067 px decodes at full size: ~120 ms here); shrinking by 2 on load and
// reducing the rest with Lanczos costs ~80 ms and looks the same at thumbnail sizes.
static int jpeg_shrink(const void *data, size_t length, int target) {
    VipsImage *header = vips_image_new_from_buffer(data, length, "", NULL);
    if (header == NULL) {
        vips_error_clear();
        return 1;
    }
    int longest = VIPS_MAX(header->Xsize, header->Ysize), shrink = 1;
    g_object_unref(header);
    while (shrink < 8 && longest / (shrink * 2) >= target) shrink *= 2;
    return shrink;
}

// vips_thumbnail_image on a JPEG loaded with a chosen DCT shrink (see jpeg_shrink).
static struct _VipsImage *jpeg_thumbnail(const void *data, size_t length, int width,
                                         int height, int crop_centre, int size,
                                         int fail_on, int shrink) {
    VipsBlob *blob = vips_blob_copy(data, length);
    VipsImage *loaded = NULL, *out = NULL;
    int result = vips_call("jpegload_buffer", blob, &loaded, "shrink", shrink, "fail_on", fail_on,
                       "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    vips_area_unref(VIPS_AREA(blob));
    if (result != 0) return NULL;
    result = vips_thumbnail_image(loaded, &out, width, "height", height, "crop",
                                  crop_mode(crop_centre), "size", size_mode(size), NULL);
    g_object_unref(loaded);
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_thumbnail_buffer(const void *data, size_t length,
                                          int width, int height, int crop_centre,
                                          int size, int fail_on) {
    const char *loader = cvips_find_loader(data, length);
    if (loader != NULL && strcmp(loader, "jpegload_buffer") == 0 && size == CVIPS_SIZE_DOWN &&
        !crop_centre) {
        int shrink = jpeg_shrink(data, length, VIPS_MAX(width, height));
        if (shrink > 1)
            return jpeg_thumbnail(data, length, width, height, crop_centre, size, fail_on, shrink);
    }
    // Like vips_thumbnail_buffer, but on a blob that owns a copy of the bytes.
    // 8.14 does not pass thumbnail's own "fail_on" on to the loader (a
    // truncated JPEG still thumbnails), so it goes in the loader options.
    char options[64];
    g_snprintf(options, sizeof(options), "fail_on=%s",
               vips_enum_nick(VIPS_TYPE_FAIL_ON, fail_on));
    VipsBlob *blob = vips_blob_copy(data, length);
    VipsImage *out = NULL;
    int result = vips_call("thumbnail_buffer", blob, &out, width, "height", height,
                           "crop", crop_mode(crop_centre), "size", size_mode(size),
                           "option_string", options, NULL);
    vips_area_unref(VIPS_AREA(blob));
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_thumbnail_image(struct _VipsImage *in, int width,
                                         int height, int crop_centre, int size) {
    VipsImage *out = NULL;
    if (vips_thumbnail_image(in, &out, width, "height", height, "crop",
                             crop_mode(crop_centre), "size", size_mode(size), NULL))
        return NULL;
    return out;
}

struct _VipsImage *cvips_extract(struct _VipsImage *in, int left, int top, int width, int height) {
    VipsImage *out = NULL;
    return vips_extract_area(in, &out, left, top, width, height, NULL) == 0 ? out : NULL;
}

struct _VipsImage *cvips_copy(struct _VipsImage *in) {
    VipsImage *out = NULL;
    return vips_copy(in, &out, NULL) == 0 ? out : NULL;
}

struct _VipsImage *cvips_copy_memory(struct _VipsImage *in) {
    return vips_image_copy_memory(in);
}

struct _VipsImage *cvips_to_srgb8(struct _VipsImage *in) {
    VipsImage *srgb = NULL;
    VipsInterpretation space = vips_image_guess_interpretation(in);
    if (space == VIPS_INTERPRETATION_sRGB && in->BandFmt == VIPS_FORMAT_UCHAR) {
        g_object_ref(in);
        return in;
    }
    if (space == VIPS_INTERPRETATION_sRGB) {
        // sRGB but wider than 8 bits: rescale 16-bit, clip anything else.
        double scale = in->BandFmt == VIPS_FORMAT_USHORT ? 1.0 / 257.0 : 1.0;
        if (vips_linear1(in, &srgb, scale, 0.0, "uchar", TRUE, NULL)) return NULL;
        return srgb;
    }
    if (vips_colourspace(in, &srgb, VIPS_INTERPRETATION_sRGB, NULL)) return NULL;
    if (srgb->BandFmt == VIPS_FORMAT_UCHAR) return srgb;
    VipsImage *out = NULL;
    int result = vips_cast_uchar(srgb, &out, NULL);
    g_object_unref(srgb);
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_flatten_white(struct _VipsImage *in) {
    VipsImage *flat = NULL, *out = NULL;
    if (!vips_image_hasalpha(in)) {
        g_object_ref(in);
        return in;
    }
    double white[4] = {255.0, 255.0, 255.0, 255.0};
    int colour_bands = in->Bands - 1 < 4 ? in->Bands - 1 : 4;
    VipsArrayDouble *background = vips_array_double_new(white, colour_bands);
    int result = vips_flatten(in, &flat, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    if (result) return NULL;
    result = vips_cast_uchar(flat, &out, NULL);
    g_object_unref(flat);
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_luma(struct _VipsImage *in) {
    VipsImage *rgb = NULL, *weighted = NULL, *rounded = NULL, *out = NULL;
    if (in->Bands < 3) {
        if (vips_extract_band(in, &out, 0, NULL)) return NULL;
        return out;
    }
    VipsImage *matrix = vips_image_new_matrixv(3, 1, 0.299, 0.587, 0.114);
    int result = vips_extract_band(in, &rgb, 0, "n", 3, NULL);
    if (result == 0) result = vips_recomb(rgb, &weighted, matrix, NULL);
    if (result == 0) result = vips_linear1(weighted, &rounded, 1.0, 0.5, "uchar", TRUE, NULL);
    if (result == 0)
        result = vips_copy(rounded, &out, "interpretation", VIPS_INTERPRETATION_B_W, NULL);
    VIPS_UNREF(matrix);
    VIPS_UNREF(rgb);
    VIPS_UNREF(weighted);
    VIPS_UNREF(rounded);
    return result == 0 ? out : NULL;
}

struct _VipsImage *cvips_colourspace(struct _VipsImage *in, const char *nick) {
    int space = vips_enum_from_nick("cvips", VIPS_TYPE_INTERPRETATION, nick);
    VipsImage *out = NULL;
    if (space < 0) return NULL;
    return vips_colourspace(in, &out, space, NULL) == 0 ? out : NULL;
}

struct _VipsImage *cvips_join_pages(struct _VipsImage **pages, int count) {
    VipsImage *joined = NULL;
    if (count < 1) return NULL;
    if (vips_arrayjoin(pages, &joined, count, "across", 1, NULL)) return NULL;
    vips_image_set_int(joined, VIPS_META_PAGE_HEIGHT, pages[0]->Ysize);
    vips_image_set_int(joined, VIPS_META_N_PAGES, count);
    return joined;
}

struct _VipsImage *cvips_from_pixels(const void *pixels, size_t length,
                                     int width, int height, int bands) {
    if (width < 1 || height < 1 || bands < 1 ||
        length != (size_t)width * (size_t)height * (size_t)bands) {
        vips_error("cvips", "pixel buffer does not match %dx%dx%d", width, height, bands);
        return NULL;
    }
    return vips_image_new_from_memory_copy(pixels, length, width, height, bands,
                                           VIPS_FORMAT_UCHAR);
}

int cvips_touch(struct _VipsImage *in) {
    double average = 0.0;
    return vips_avg(in, &average, NULL);
}

void *cvips_pixels(struct _VipsImage *in, size_t *length) {
    return vips_image_write_to_memory(in, length);
}

struct _VipsImage *cvips_flip_horizontal(struct _VipsImage *in) {
    VipsImage *out = NULL;
    return vips_flip(in, &out, VIPS_DIRECTION_HORIZONTAL, NULL) == 0 ? out : NULL;
}

// Rotates by any angle around the centre; the canvas grows to hold the result and the new
// corners are black (what a re-poster's rotate tool gives before cropping).
struct _VipsImage *cvips_rotate(struct _VipsImage *in, double degrees) {
    VipsImage *out = NULL;
    return vips_rotate(in, &out, degrees, NULL) == 0 ? out : NULL;
}

// a × pixel + b, back to 8 bits (clipped).
struct _VipsImage *cvips_linear_uchar(struct _VipsImage *in, double a, double b) {
    VipsImage *scaled = NULL, *out = NULL;
    if (vips_linear1(in, &scaled, a, b, NULL) != 0) return NULL;
    int result = vips_cast(scaled, &out, VIPS_FORMAT_UCHAR, NULL);
    g_object_unref(scaled);
    return result == 0 ? out : NULL;
}

// Places `in` on a larger canvas filled with one colour (a frame, padding, a screenshot's page).
struct _VipsImage *cvips_embed(struct _VipsImage *in, int x, int y, int width, int height,
                               double red, double green, double blue) {
    VipsImage *out = NULL;
    double colour[4] = {red, green, blue, 255};
    int bands = VIPS_MIN(in->Bands, 4);
    VipsArrayDouble *background = vips_array_double_new(colour, bands);
    int result = vips_embed(in, &out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND,
                            "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return result == 0 ? out : NULL;
}
