#ifndef CFACESCAN_H
#define CFACESCAN_H

#include <stddef.h>
#include <stdint.h>

/// Quantized face-vector scans for `FaceVectorIndex`. Every vector has 128 dimensions.
/// Rows are contiguous: 128 bytes each for int8 rows, 64 bytes each for 4-bit rows (byte j holds
/// dimension j in its low nibble and dimension j + 64 in its high nibble, each 0–15).
/// Query components must lie in −127…127.

/// The `k` 4-bit rows with the largest dot product with `query`, best first; returns how many
/// were written (min(k, n)). `first` is added to every index written (scans split in parts).
size_t cfs_top_u4(const uint8_t *rows, size_t n, const int8_t *query, size_t k, size_t first,
                  uint32_t *indices, int32_t *scores);

/// Dot products of the int8 rows at `at[0..<m]` with `query`.
void cfs_dots_i8_at(const int8_t *rows, const uint32_t *at, size_t m, const int8_t *query, int32_t *scores);

/// 1 when the AVX2 kernels run, 0 when the portable ones do.
int cfs_uses_avx2(void);

#endif
