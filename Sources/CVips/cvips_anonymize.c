// Face anonymization: blur, pixelate or fill one area of an image, either the
// whole box or only the ellipse inscribed in it (deface's --replacewith and
// --boxes), plus box outlines and score labels (--draw-scores).
//
// Every function builds a lazy pipeline on `in` (extract_area → process →
// ifthenelse with an ellipse mask → insert): pixels outside the area are the
// input's own, untouched, and nothing is computed until the image is saved.
#include <vips/vips.h>
#include <math.h>
#include <string.h>
#include "cvips.h"

// The Gaussian runs on a shrunk copy of the area with this sigma. deface's
// box blur spans half the face, so the shrunk copy is only ~28 px across
// (8·√12) whatever the face size: a 1000 px face costs as little as a 50 px
// one, and the blur is still a true Gaussian once scaled back up.
#define WORK_SIGMA 4.0

static VipsImage **local_images(VipsImage *scope, int count) {
    return (VipsImage **)vips_object_local_array(VIPS_OBJECT(scope), count);
}

static int check_area(VipsImage *in, int left, int top, int width, int height) {
    if (width < 1 || height < 1 || left < 0 || top < 0 ||
        (long)left + width > in->Xsize || (long)top + height > in->Ysize) {
        vips_error("cvips", "area %dx%d at %d,%d is not inside the %dx%d image", width,
                   height, left, top, in->Xsize, in->Ysize);
        return -1;
    }
    return 0;
}

// 255 inside the ellipse inscribed in width × height (pixel centres, so the
// mask is symmetric), 0 outside: ((x−cx)/rx)² + ((y−cy)/ry)² ≤ 1. Written
// row by row in C: a few hundred KB once, far cheaper than per-pixel
// float arithmetic in a libvips pipeline.
static int ellipse_mask(int width, int height, VipsImage **out) {
    size_t size = (size_t)width * (size_t)height;
    unsigned char *pixels = g_malloc0(size);
    double rx = width / 2.0, ry = height / 2.0;
    double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    for (int y = 0; y < height; y++) {
        double dy = (y - cy) / ry, remaining = 1.0 - dy * dy;
        if (remaining < 0.0) continue;
        // Inside where |x − cx| ≤ rx·√(1 − dy²).
        double half = rx * sqrt(remaining);
        int first = (int)ceil(cx - half), last = (int)floor(cx + half);
        if (first < 0) first = 0;
        if (last > width - 1) last = width - 1;
        if (first <= last) memset(pixels + (size_t)y * width + first, 255, (size_t)(last - first + 1));
    }
    *out = vips_image_new_from_memory_copy(pixels, size, width, height, 1, VIPS_FORMAT_UCHAR);
    g_free(pixels);
    return *out != NULL ? 0 : -1;
}

// `in` with `patch` (the area's size) put at (left, top); with `ellipse`,
// only inside the inscribed ellipse (`region`, the area's old pixels,
// elsewhere). Returns a new reference.
static VipsImage *replace_area(VipsImage *scope, VipsImage *in, VipsImage *region,
                               VipsImage *patch, int left, int top, int ellipse) {
    VipsImage **t = local_images(scope, 3);
    VipsImage *sub = patch, *out = NULL;
    // insert casts both images up to a common format: keep the input's.
    if (vips_cast(patch, &t[0], in->BandFmt, NULL)) return NULL;
    sub = t[0];
    if (ellipse) {
        if (ellipse_mask(region->Xsize, region->Ysize, &t[1])) return NULL;
        if (vips_ifthenelse(t[1], sub, region, &t[2], NULL)) return NULL;
        sub = t[2];
    }
    if (vips_insert(in, sub, &out, left, top, NULL)) return NULL;
    return out;
}

// Opaque alpha for the image's sample format (Imaging hands over 8-bit).
static double opaque_alpha(VipsImage *image) {
    switch (image->BandFmt) {
    case VIPS_FORMAT_USHORT: return 65535.0;
    case VIPS_FORMAT_FLOAT:
    case VIPS_FORMAT_DOUBLE: return image->Type == VIPS_INTERPRETATION_scRGB ? 1.0 : 255.0;
    default: return 255.0;
    }
}

// A patch like `region` in one opaque colour (alpha bands at their maximum).
static int colour_patch(VipsImage *region, double red, double green, double blue,
                        VipsImage **out) {
    int bands = region->Bands;
    int alpha = vips_image_hasalpha(region);
    int colours = alpha ? bands - 1 : bands;
    double grey = 0.299 * red + 0.587 * green + 0.114 * blue;
    double rgb[3] = {red, green, blue};
    double *zero = g_new0(double, bands), *value = g_new0(double, bands);
    for (int band = 0; band < bands; band++)
        value[band] = band >= colours ? opaque_alpha(region)
                      : colours >= 3  ? rgb[band < 3 ? band : 2]
                                      : grey;
    VipsImage *flat = NULL;
    int result = vips_linear(region, &flat, zero, value, bands, NULL);
    if (result == 0) result = vips_cast(flat, out, region->BandFmt, NULL);
    VIPS_UNREF(flat);
    g_free(zero);
    g_free(value);
    return result;
}

struct _VipsImage *cvips_blur_area(struct _VipsImage *in, int left, int top, int width,
                                   int height, double sigma_x, double sigma_y, int ellipse) {
    if (check_area(in, left, top, width, height)) return NULL;
    if (!(sigma_x > 0.0) || !(sigma_y > 0.0) || !isfinite(sigma_x) || !isfinite(sigma_y)) {
        vips_error("cvips", "blur sigma %g×%g must be positive", sigma_x, sigma_y);
        return NULL;
    }
    VipsImage *scope = vips_image_new();
    VipsImage **t = local_images(scope, 8);
    VipsImage *out = NULL;
    // Shrinking each axis by work/sigma turns the (anisotropic) blur into
    // an isotropic Gaussian of sigma `work` on the shrunk copy. A linear
    // kernel is enough before a blur this wide, and twice as fast as Lanczos.
    double work = fmin(WORK_SIGMA, fmin(sigma_x, sigma_y));
    if (vips_extract_area(in, &t[0], left, top, width, height, NULL) == 0 &&
        vips_resize(t[0], &t[1], work / sigma_x, "vscale", work / sigma_y, "kernel",
                    VIPS_KERNEL_LINEAR, NULL) == 0 &&
        // Float precision: exact, and on a tiny image faster than the
        // integer path (which compiles vector code for every new mask).
        vips_gaussblur(t[1], &t[2], work, "min_ampl", 0.01, "precision",
                       VIPS_PRECISION_FLOAT, NULL) == 0 &&
        vips_round(t[2], &t[3], VIPS_OPERATION_ROUND_RINT, NULL) == 0 &&
        vips_cast(t[3], &t[4], in->BandFmt, NULL) == 0 &&
        // Render the small blurred copy once; left lazy, every strip the
        // saver asks for would shrink the whole area again.
        (t[5] = vips_image_copy_memory(t[4])) != NULL &&
        vips_resize(t[5], &t[6], (double)width / t[5]->Xsize, "vscale",
                    (double)height / t[5]->Ysize, "kernel", VIPS_KERNEL_LINEAR, NULL) == 0 &&
        // resize rounds its output size: make it exactly the area's.
        vips_embed(t[6], &t[7], 0, 0, width, height, "extend", VIPS_EXTEND_COPY, NULL) == 0)
        out = replace_area(scope, in, t[0], t[7], left, top, ellipse);
    g_object_unref(scope);
    return out;
}

struct _VipsImage *cvips_pixelate_area(struct _VipsImage *in, int left, int top, int width,
                                       int height, int tile, int ellipse) {
    if (check_area(in, left, top, width, height)) return NULL;
    if (tile < 1) {
        vips_error("cvips", "mosaic tile size %d must be at least 1", tile);
        return NULL;
    }
    // A tile larger than the area is one tile anyway (and keeps sizes small).
    int longest = width > height ? width : height;
    if (tile > longest) tile = longest;
    int columns = (width + tile - 1) / tile, rows = (height + tile - 1) / tile;
    VipsImage *scope = vips_image_new();
    VipsImage **t = local_images(scope, 5);
    VipsImage *out = NULL;
    // Each tile takes the colour of its top-left pixel, like deface: pad to
    // whole tiles, keep every tile-th pixel, blow each up to a tile, crop.
    if (vips_extract_area(in, &t[0], left, top, width, height, NULL) == 0 &&
        vips_embed(t[0], &t[1], 0, 0, columns * tile, rows * tile, "extend",
                   VIPS_EXTEND_COPY, NULL) == 0 &&
        vips_subsample(t[1], &t[2], tile, tile, "point", TRUE, NULL) == 0 &&
        vips_zoom(t[2], &t[3], tile, tile, NULL) == 0 &&
        vips_extract_area(t[3], &t[4], 0, 0, width, height, NULL) == 0)
        out = replace_area(scope, in, t[0], t[4], left, top, ellipse);
    g_object_unref(scope);
    return out;
}

struct _VipsImage *cvips_fill_area(struct _VipsImage *in, int left, int top, int width,
                                   int height, double red, double green, double blue,
                                   int ellipse) {
    if (check_area(in, left, top, width, height)) return NULL;
    VipsImage *scope = vips_image_new();
    VipsImage **t = local_images(scope, 2);
    VipsImage *out = NULL;
    if (vips_extract_area(in, &t[0], left, top, width, height, NULL) == 0 &&
        colour_patch(t[0], red, green, blue, &t[1]) == 0)
        out = replace_area(scope, in, t[0], t[1], left, top, ellipse);
    g_object_unref(scope);
    return out;
}

struct _VipsImage *cvips_draw_outline(struct _VipsImage *in, int left, int top, int width,
                                      int height, int thickness, double red, double green,
                                      double blue) {
    if (check_area(in, left, top, width, height)) return NULL;
    int tx = thickness < width ? thickness : width;
    int ty = thickness < height ? thickness : height;
    if (tx < 1 || ty < 1) {
        vips_error("cvips", "outline thickness %d must be at least 1", thickness);
        return NULL;
    }
    // Four filled strips: top, bottom, left, right.
    int strips[4][4] = {
        {left, top, width, ty},
        {left, top + height - ty, width, ty},
        {left, top, tx, height},
        {left + width - tx, top, tx, height},
    };
    g_object_ref(in);
    VipsImage *current = in;
    for (int i = 0; i < 4 && current != NULL; i++) {
        VipsImage *next = cvips_fill_area(current, strips[i][0], strips[i][1], strips[i][2],
                                          strips[i][3], red, green, blue, 0);
        g_object_unref(current);
        current = next;
    }
    return current;
}

struct _VipsImage *cvips_draw_label(struct _VipsImage *in, const char *text, int left,
                                    int top, int text_height, double red, double green,
                                    double blue) {
    if (text == NULL || text[0] == '\0' || text_height < 1) {
        vips_error("cvips", "label needs text and a height of at least 1 px");
        return NULL;
    }
    // Pango's default "sans 12" is ~0.12 px tall per dpi (18 px at 150 dpi).
    int dpi = (int)lround(text_height / 0.12);
    VipsImage *scope = vips_image_new();
    VipsImage **t = local_images(scope, 6);
    VipsImage *out = NULL;
    // One label at a time in the process: Pango and fontconfig share caches that are not safe
    // to fill from two threads (bench duplicates, two threads writing captions: SIGFPE inside
    // GLib's hash table while another thread was in fontconfig).
    static GMutex label_lock;
    g_mutex_lock(&label_lock);
    int rendered = vips_text(&t[0], text, "font", "sans bold", "dpi", dpi > 0 ? dpi : 1, NULL);
    if (rendered == 0) {
        // In memory before the lock is let go, whenever this libvips renders.
        VipsImage *memory = vips_image_copy_memory(t[0]);
        g_object_unref(t[0]);
        t[0] = memory;
        if (memory == NULL) rendered = -1;
    }
    g_mutex_unlock(&label_lock);
    if (rendered == 0) {
        // The part of the text that falls inside the image.
        int x0 = left > 0 ? left : 0, y0 = top > 0 ? top : 0;
        long x1 = (long)left + t[0]->Xsize, y1 = (long)top + t[0]->Ysize;
        if (x1 > in->Xsize) x1 = in->Xsize;
        if (y1 > in->Ysize) y1 = in->Ysize;
        int w = (int)(x1 - x0), h = (int)(y1 - y0);
        if (w < 1 || h < 1) {
            g_object_ref(in);
            out = in;
        } else if (vips_extract_area(t[0], &t[1], x0 - left, y0 - top, w, h, NULL) == 0 &&
                   vips_extract_area(in, &t[2], x0, y0, w, h, NULL) == 0 &&
                   colour_patch(t[2], red, green, blue, &t[3]) == 0 &&
                   // The text's grey levels as alpha: antialiased edges.
                   vips_ifthenelse(t[1], t[3], t[2], &t[4], "blend", TRUE, NULL) == 0 &&
                   vips_cast(t[4], &t[5], in->BandFmt, NULL) == 0)
            vips_insert(in, t[5], &out, x0, y0, NULL);
    }
    g_object_unref(scope);
    return out;
}
