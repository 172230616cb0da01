// dlib face embedding behind a C API. Nothing C++ crosses the boundary: each entry point
// catches every exception and turns it into an error string.
#include "cdlib.h"

#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace cdlib_detail {

// A read-only dlib "generic image" over the caller's RGB8 buffer: no copy, any row stride.
struct rgb_view {
    const unsigned char *data;
    long rows, cols, stride;
};
inline long num_rows(const rgb_view &v) { return v.rows; }
inline long num_columns(const rgb_view &v) { return v.cols; }
inline long width_step(const rgb_view &v) { return v.stride; }
inline const void *image_data(const rgb_view &v) { return v.data; }
// dlib's generic image interface wants a mutable accessor to exist; nothing writes through it.
inline void *image_data(rgb_view &v) { return const_cast<unsigned char *>(v.data); }

// The network from dlib's dnn_face_recognition_ex.cpp (must match the .dat file exactly).
using namespace dlib;
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;
template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;
template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;
template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;
using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

void set_error(char *error, size_t size, const char *message) {
    if (error && size > 0) std::snprintf(error, size, "%s", message);
}

bool valid_image(const uint8_t *rgb, int32_t width, int32_t height, int32_t stride,
                 char *error, size_t size) {
    if (!rgb || width <= 0 || height <= 0 || stride < int64_t(width) * 3) {
        set_error(error, size, "invalid image: need RGB8 pixels, width/height > 0, stride >= 3*width");
        return false;
    }
    return true;
}

// Runs `body`, turning any exception into -1 plus a message.
template <typename F> int32_t guarded(char *error, size_t size, F &&body) {
    try {
        return body();
    } catch (const std::exception &e) {
        set_error(error, size, e.what());
    } catch (...) {
        set_error(error, size, "unknown C++ exception in dlib");
    }
    return -1;
}

} // namespace cdlib_detail

namespace dlib {
template <> struct image_traits<cdlib_detail::rgb_view> { typedef rgb_pixel pixel_type; };
} // namespace dlib

using namespace cdlib_detail;

struct cdlib_embedder {
    dlib::shape_predictor predictor; // const use only: thread-safe
    anet_type net;                   // keeps per-call state: guarded by mutex
    std::mutex mutex;
};

// One OpenBLAS thread unless OPENBLAS_NUM_THREADS says otherwise: a worker already runs one
// job per core, and OpenBLAS's extra threads spin (sched_yield) between the network's calls,
// taking CPU from the other jobs (measured: process_image + embedding 7.4 → 9.0 images/s on 2
// cores). Looked up at run time because dlib may be linked to another BLAS.
static void single_threaded_blas_by_default() {
    if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr) return;
    using set_threads = void (*)(int);
    if (auto set = reinterpret_cast<set_threads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

extern "C" cdlib_embedder *cdlib_embedder_create(const char *shape_predictor_path,
                                                 const char *resnet_path,
                                                 char *error, size_t error_size) {
    cdlib_embedder *handle = nullptr;
    int32_t rc = guarded(error, error_size, [&]() -> int32_t {
        if (!shape_predictor_path || !resnet_path) {
            set_error(error, error_size, "model paths must not be NULL");
            return -1;
        }
        single_threaded_blas_by_default();
        auto loaded = std::make_unique<cdlib_embedder>();
        std::string current = shape_predictor_path;
        try {
            dlib::deserialize(current) >> loaded->predictor;
            current = resnet_path;
            dlib::deserialize(current) >> loaded->net;
        } catch (const std::exception &e) {
            // dlib's message alone does not always say which file failed.
            std::string message = current + ": " + e.what();
            set_error(error, error_size, message.c_str());
            return -1;
        }
        handle = loaded.release();
        return 0;
    });
    return rc == 0 ? handle : nullptr;
}

extern "C" void cdlib_embedder_free(cdlib_embedder *embedder) {
    delete embedder; // destructors of dlib objects do not throw
}

extern "C" int32_t cdlib_embed_batch(cdlib_embedder *embedder, const uint8_t *rgb,
                                     int32_t width, int32_t height, int32_t stride,
                                     const float *boxes, int32_t count, float *descriptors,
                                     float *landmarks, char *error, size_t error_size) {
    return guarded(error, error_size, [&]() -> int32_t {
        if (!embedder || !boxes || !descriptors || count < 0) {
            set_error(error, error_size, "invalid arguments: NULL embedder, boxes or output");
            return -1;
        }
        if (!valid_image(rgb, width, height, stride, error, error_size)) return -1;
        const rgb_view img{rgb, height, width, stride};

        std::vector<dlib::matrix<dlib::rgb_pixel>> chips(static_cast<size_t>(count));
        for (int32_t i = 0; i < count; i++) {
            const float x = boxes[4 * i], y = boxes[4 * i + 1];
            const float w = boxes[4 * i + 2], h = boxes[4 * i + 3];
            if (!std::isfinite(x) || !std::isfinite(y) || !(w >= 1) || !(h >= 1)
                || !std::isfinite(w) || !std::isfinite(h)) {
                set_error(error, error_size, "invalid face box: need finite x, y and width, height >= 1");
                return -1;
            }
            // dlib rectangles are inclusive on all four sides.
            const long left = std::lround(x), top = std::lround(y);
            const dlib::rectangle box(left, top, left + std::max(1L, std::lround(w)) - 1,
                                      top + std::max(1L, std::lround(h)) - 1);
            const dlib::full_object_detection shape = embedder->predictor(img, box);
            if (shape.num_parts() != 5) {
                set_error(error, error_size, "shape predictor is not the 5-point model");
                return -1;
            }
            if (landmarks) {
                for (unsigned long p = 0; p < 5; p++) {
                    landmarks[10 * i + 2 * p] = float(shape.part(p).x());
                    landmarks[10 * i + 2 * p + 1] = float(shape.part(p).y());
                }
            }
            dlib::extract_image_chip(img, dlib::get_face_chip_details(shape, 150, 0.25), chips[size_t(i)]);
        }
        if (count == 0) return 0;

        std::vector<dlib::matrix<float, 0, 1>> out;
        {
            std::lock_guard<std::mutex> lock(embedder->mutex);
            out = embedder->net(chips, 16);
        }
        if (out.size() != size_t(count)) {
            set_error(error, error_size, "network returned an unexpected number of descriptors");
            return -1;
        }
        for (int32_t i = 0; i < count; i++) {
            const auto &d = out[size_t(i)];
            if (d.size() != CDLIB_DESCRIPTOR_DIM) {
                set_error(error, error_size, "network is not the 128-d face ResNet");
                return -1;
            }
            for (long k = 0; k < CDLIB_DESCRIPTOR_DIM; k++) descriptors[CDLIB_DESCRIPTOR_DIM * i + k] = d(k);
        }
        return 0;
    });
}

extern "C" int32_t cdlib_face_chips(cdlib_embedder *embedder, const uint8_t *rgb, int32_t width,
                                    int32_t height, int32_t stride, float x, float y, float w, float h,
                                    const int32_t *sizes, int32_t count, double padding, uint8_t *chips,
                                    char *error, size_t error_size) {
    return guarded(error, error_size, [&]() -> int32_t {
        if (!embedder || !sizes || !chips || count < 0 || !(padding >= 0 && padding <= 2)) {
            set_error(error, error_size, "invalid arguments: NULL embedder, sizes or output, or padding outside 0...2");
            return -1;
        }
        if (!valid_image(rgb, width, height, stride, error, error_size)) return -1;
        if (!std::isfinite(x) || !std::isfinite(y) || !(w >= 1) || !(h >= 1) || !std::isfinite(w) || !std::isfinite(h)) {
            set_error(error, error_size, "invalid face box: need finite x, y and width, height >= 1");
            return -1;
        }
        const rgb_view img{rgb, height, width, stride};
        const long left = std::lround(x), top = std::lround(y);
        const dlib::rectangle box(left, top, left + std::max(1L, std::lround(w)) - 1, top + std::max(1L, std::lround(h)) - 1);
        const dlib::full_object_detection shape = embedder->predictor(img, box);
        if (shape.num_parts() != 5) {
            set_error(error, error_size, "shape predictor is not the 5-point model");
            return -1;
        }
        size_t offset = 0;
        for (int32_t i = 0; i < count; i++) {
            if (sizes[i] < 8 || sizes[i] > 1024) {
                set_error(error, error_size, "chip size must be 8...1024");
                return -1;
            }
            dlib::matrix<dlib::rgb_pixel> chip;
            dlib::extract_image_chip(img, dlib::get_face_chip_details(shape, unsigned(sizes[i]), padding), chip);
            for (long r = 0; r < chip.nr(); r++) {
                for (long c = 0; c < chip.nc(); c++) {
                    chips[offset++] = chip(r, c).red;
                    chips[offset++] = chip(r, c).green;
                    chips[offset++] = chip(r, c).blue;
                }
            }
        }
        return 0;
    });
}

extern "C" int32_t cdlib_embed(cdlib_embedder *embedder, const uint8_t *rgb, int32_t width,
                               int32_t height, int32_t stride, float x, float y, float w, float h,
                               float *descriptor, float *landmarks, char *error, size_t error_size) {
    const float box[4] = {x, y, w, h};
    return cdlib_embed_batch(embedder, rgb, width, height, stride, box, 1, descriptor, landmarks,
                             error, error_size);
}

extern "C" int32_t cdlib_detect_hog(const uint8_t *rgb, int32_t width, int32_t height,
                                    int32_t stride, int32_t upsample, float *boxes,
                                    int32_t max_boxes, int32_t *found,
                                    char *error, size_t error_size) {
    return guarded(error, error_size, [&]() -> int32_t {
        if (!found || upsample < 0 || upsample > 2 || max_boxes < 0 || (max_boxes > 0 && !boxes)) {
            set_error(error, error_size, "invalid arguments: need found, upsample 0...2, boxes for max_boxes > 0");
            return -1;
        }
        *found = 0;
        if (!valid_image(rgb, width, height, stride, error, error_size)) return -1;
        // Built per call: about 10 ms, fine for tests and tools, and no shared mutable state.
        dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
        const rgb_view view{rgb, height, width, stride};
        std::vector<dlib::rect_detection> dets;
        double scale = 1;
        if (upsample == 0) {
            detector(view, dets);
        } else {
            dlib::matrix<dlib::rgb_pixel> big;
            dlib::assign_image(big, view);
            for (int32_t i = 0; i < upsample; i++) {
                dlib::pyramid_up(big);
                scale *= 2;
            }
            detector(big, dets);
        }
        std::sort(dets.begin(), dets.end(), [](const dlib::rect_detection &a, const dlib::rect_detection &b) {
            return a.detection_confidence > b.detection_confidence;
        });
        *found = int32_t(dets.size());
        for (size_t i = 0; i < dets.size() && i < size_t(max_boxes); i++) {
            const dlib::rectangle &r = dets[i].rect;
            boxes[4 * i] = float(r.left() / scale);
            boxes[4 * i + 1] = float(r.top() / scale);
            boxes[4 * i + 2] = float(r.width() / scale);
            boxes[4 * i + 3] = float(r.height() / scale);
        }
        return 0;
    });
}
