// The full scan is bound by memory bandwidth: 1M 4-bit rows are 64 MB (int8 rows would be 128).
// The AVX2 kernel scores eight rows per step and reduce them together (horizontal adds are dear); the
// selection keeps a min-heap of the best k, and most rows lose to its root at once.
#include "cfacescan.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CFS_X86 1
#endif

// A min-heap of (score, index) pairs: the root is the weakest of the best k so far.
typedef struct {
    int32_t *scores;
    uint32_t *indices;
    size_t count, capacity;
} heap_t;

static void heap_sift_down(heap_t *h, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->count && h->scores[l] < h->scores[m]) m = l;
        if (r < h->count && h->scores[r] < h->scores[m]) m = r;
        if (m == i) return;
        int32_t s = h->scores[i]; h->scores[i] = h->scores[m]; h->scores[m] = s;
        uint32_t x = h->indices[i]; h->indices[i] = h->indices[m]; h->indices[m] = x;
        i = m;
    }
}

static inline void heap_offer(heap_t *h, int32_t score, uint32_t index) {
    if (h->count < h->capacity) {
        size_t i = h->count++;
        h->scores[i] = score; h->indices[i] = index;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (h->scores[p] <= h->scores[i]) break;
            int32_t s = h->scores[i]; h->scores[i] = h->scores[p]; h->scores[p] = s;
            uint32_t x = h->indices[i]; h->indices[i] = h->indices[p]; h->indices[p] = x;
            i = p;
        }
    } else if (score > h->scores[0]) {
        h->scores[0] = score; h->indices[0] = index;
        heap_sift_down(h, 0);
    }
}

// Sorts the heap's contents best first (heap sort, in place).
static size_t heap_finish(heap_t *h) {
    size_t n = h->count;
    while (h->count > 1) {
        size_t last = --h->count;
        int32_t s = h->scores[0]; h->scores[0] = h->scores[last]; h->scores[last] = s;
        uint32_t x = h->indices[0]; h->indices[0] = h->indices[last]; h->indices[last] = x;
        heap_sift_down(h, 0);
    }
    return n;
}

static int32_t dot_i8(const int8_t *row, const int8_t *q) {
    int32_t s = 0;
    for (int j = 0; j < 128; j++) s += (int32_t)row[j] * q[j];
    return s;
}

static int32_t dot_u4(const uint8_t *row, const int8_t *q) {
    int32_t s = 0;
    for (int j = 0; j < 64; j++) s += (int32_t)(row[j] & 15) * q[j] + (int32_t)(row[j] >> 4) * q[j + 64];
    return s;
}

#ifdef CFS_X86
// Eight int32 lanes of partial sums per row → one int32 per row, for eight rows at once.
__attribute__((target("avx2")))
static inline __m256i reduce8(__m256i s0, __m256i s1, __m256i s2, __m256i s3,
                              __m256i s4, __m256i s5, __m256i s6, __m256i s7) {
    __m256i h01 = _mm256_hadd_epi32(s0, s1), h23 = _mm256_hadd_epi32(s2, s3);
    __m256i h45 = _mm256_hadd_epi32(s4, s5), h67 = _mm256_hadd_epi32(s6, s7);
    __m256i a = _mm256_hadd_epi32(h01, h23), b = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

typedef struct { __m256i q[4], mask, ones; } q4_t;

__attribute__((target("avx2")))
static inline __m256i row_u4(const uint8_t *r, const q4_t *q) {
    __m256i b0 = _mm256_loadu_si256((const __m256i *)r), b1 = _mm256_loadu_si256((const __m256i *)(r + 32));
    // Nibbles are 0–15: four maddubs of them with |q| ≤ 127 sum to at most 4 · 2 · 15 · 127 in int16.
    __m256i s = _mm256_add_epi16(
        _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(b0, q->mask), q->q[0]),
                         _mm256_maddubs_epi16(_mm256_and_si256(b1, q->mask), q->q[1])),
        _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(b0, 4), q->mask), q->q[2]),
                         _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(b1, 4), q->mask), q->q[3])));
    return _mm256_madd_epi16(s, q->ones);
}

__attribute__((target("avx2")))
static size_t top_u4_avx2(const uint8_t *rows, size_t n, const int8_t *query, size_t first, heap_t *h) {
    q4_t q;
    for (int c = 0; c < 4; c++) q.q[c] = _mm256_loadu_si256((const __m256i *)(query + 32 * c));
    q.mask = _mm256_set1_epi8(15);
    q.ones = _mm256_set1_epi16(1);
    int32_t block[8];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint8_t *r = rows + i * 64;
        __m256i s = reduce8(row_u4(r, &q), row_u4(r + 64, &q), row_u4(r + 128, &q), row_u4(r + 192, &q),
                            row_u4(r + 256, &q), row_u4(r + 320, &q), row_u4(r + 384, &q), row_u4(r + 448, &q));
        // Most blocks hold no row better than the weakest kept: one compare for all eight.
        __m256i floor = _mm256_set1_epi32(h->count < h->capacity ? INT32_MIN : h->scores[0]);
        if (!_mm256_movemask_epi8(_mm256_cmpgt_epi32(s, floor))) continue;
        _mm256_storeu_si256((__m256i *)block, s);
        for (int j = 0; j < 8; j++) heap_offer(h, block[j], (uint32_t)(first + i + j));
    }
    for (; i < n; i++) heap_offer(h, dot_u4(rows + i * 64, query), (uint32_t)(first + i));
    return i;
}
#endif

int cfs_uses_avx2(void) {
#ifdef CFS_X86
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

size_t cfs_top_u4(const uint8_t *rows, size_t n, const int8_t *query, size_t k, size_t first,
                  uint32_t *indices, int32_t *scores) {
    heap_t h = { scores, indices, 0, k };
    if (k == 0) return 0;
#ifdef CFS_X86
    if (cfs_uses_avx2()) { top_u4_avx2(rows, n, query, first, &h); return heap_finish(&h); }
#endif
    for (size_t i = 0; i < n; i++) heap_offer(&h, dot_u4(rows + i * 64, query), (uint32_t)(first + i));
    return heap_finish(&h);
}

void cfs_dots_i8_at(const int8_t *rows, const uint32_t *at, size_t m, const int8_t *query, int32_t *scores) {
    for (size_t i = 0; i < m; i++) scores[i] = dot_i8(rows + (size_t)at[i] * 128, query);
}
