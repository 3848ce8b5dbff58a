// Random fills and dropout from the Philox4x32-10 stream (sg_random.cuh), contiguous buffers of n elements.
// Element layout of a stream (seed, offset) -- the Java twin org.sparkgrad.cuda.Philox reproduces it:
//   f32: element i = word (i % 4) of block i / 4, uniform u = (word >> 8) * 2^-24 in [0, 1)
//   f64: element i = words (2 (i % 2), 2 (i % 2) + 1) of block i / 2, u = 53 bits * 2^-53
//   normal: Box-Muller on consecutive pairs of uniforms (u1, u2) of the same block:
//           z0 = sqrt(-2 log(1 - u1)) cos(2 pi u2), z1 = ... sin(2 pi u2)
//   dropout: keep = u < 1 - p (the f32 or f64 uniform of element i), y = keep ? x / (1 - p) : 0
// `offset` lets successive calls with one seed draw disjoint streams (the caller advances it by the blocks used).
#include <math_constants.h>
#include "sg_common.cuh"
#include "sg_random.cuh"

extern "C" __global__ void sg_rand_uniform_f32(long long n, float* out, double lo, double hi, unsigned long long seed,
                                               unsigned long long offset) {
    const float a = (float)lo, w = (float)(hi - lo);
    SG_GRID_LOOP(gi, (n + 3) / 4) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const uint32_t words[4] = {r.x, r.y, r.z, r.w};
#pragma unroll
        for (int t = 0; t < 4; ++t) {
            const long long i = gi * 4 + t;
            if (i < n) out[i] = a + w * sg_u01f(words[t]);
        }
    }
}

extern "C" __global__ void sg_rand_uniform_f64(long long n, double* out, double lo, double hi,
                                               unsigned long long seed, unsigned long long offset) {
    SG_GRID_LOOP(gi, (n + 1) / 2) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const long long i = gi * 2;
        out[i] = lo + (hi - lo) * sg_u01d(r.x, r.y);
        if (i + 1 < n) out[i + 1] = lo + (hi - lo) * sg_u01d(r.z, r.w);
    }
}

extern "C" __global__ void sg_rand_normal_f32(long long n, float* out, double mean, double std,
                                              unsigned long long seed, unsigned long long offset) {
    const float mu = (float)mean, sd = (float)std;
    SG_GRID_LOOP(gi, (n + 3) / 4) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const float u[4] = {sg_u01f(r.x), sg_u01f(r.y), sg_u01f(r.z), sg_u01f(r.w)};
        float z[4];
#pragma unroll
        for (int p = 0; p < 2; ++p) {
            const float rad = sqrtf(-2.0f * logf(1.0f - u[2 * p]));
            const float th = 2.0f * CUDART_PI_F * u[2 * p + 1];
            z[2 * p] = rad * cosf(th);
            z[2 * p + 1] = rad * sinf(th);
        }
#pragma unroll
        for (int t = 0; t < 4; ++t) {
            const long long i = gi * 4 + t;
            if (i < n) out[i] = mu + sd * z[t];
        }
    }
}

extern "C" __global__ void sg_rand_normal_f64(long long n, double* out, double mean, double std,
                                              unsigned long long seed, unsigned long long offset) {
    SG_GRID_LOOP(gi, (n + 1) / 2) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const double u1 = sg_u01d(r.x, r.y), u2 = sg_u01d(r.z, r.w);
        const double rad = sqrt(-2.0 * log(1.0 - u1));
        const double th = 2.0 * CUDART_PI * u2;
        const long long i = gi * 2;
        out[i] = mean + std * rad * cos(th);
        if (i + 1 < n) out[i + 1] = mean + std * rad * sin(th);
    }
}

extern "C" __global__ void sg_dropout_f32(long long n, const float* x, float* y, u8* mask, double p,
                                          unsigned long long seed, unsigned long long offset) {
    const float keepProb = (float)(1.0 - p);
    const float scale = p >= 1.0 ? 0.0f : (float)(1.0 / (1.0 - p));
    SG_GRID_LOOP(gi, (n + 3) / 4) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const uint32_t words[4] = {r.x, r.y, r.z, r.w};
#pragma unroll
        for (int t = 0; t < 4; ++t) {
            const long long i = gi * 4 + t;
            if (i >= n) break;
            const bool keep = sg_u01f(words[t]) < keepProb;
            y[i] = keep ? x[i] * scale : 0.0f;
            if (mask) mask[i] = keep ? 1 : 0;
        }
    }
}

extern "C" __global__ void sg_dropout_f64(long long n, const double* x, double* y, u8* mask, double p,
                                          unsigned long long seed, unsigned long long offset) {
    const double keepProb = 1.0 - p;
    const double scale = p >= 1.0 ? 0.0 : 1.0 / (1.0 - p);
    SG_GRID_LOOP(gi, (n + 1) / 2) {
        const SgU4 r = sg_philox_block(seed, offset, (uint64_t)gi);
        const long long i = gi * 2;
        const bool k0 = sg_u01d(r.x, r.y) < keepProb;
        y[i] = k0 ? x[i] * scale : 0.0;
        if (mask) mask[i] = k0 ? 1 : 0;
        if (i + 1 < n) {
            const bool k1 = sg_u01d(r.z, r.w) < keepProb;
            y[i + 1] = k1 ? x[i + 1] * scale : 0.0;
            if (mask) mask[i + 1] = k1 ? 1 : 0;
        }
    }
}
