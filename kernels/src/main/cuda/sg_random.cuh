// Philox4x32-10 counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
// the generator behind curand's and PyTorch's CUDA RNG. __host__ __device__ so host code can check it against
// the published known-answer vectors. Java twin: org.sparkgrad.cuda.Philox (same streams, tested on the KAT).
#pragma once
#include <stdint.h>

#define SG_PHILOX_M0 0xD2511F53u
#define SG_PHILOX_M1 0xCD9E8D57u
#define SG_PHILOX_W0 0x9E3779B9u
#define SG_PHILOX_W1 0xBB67AE85u

struct SgU4 {
    uint32_t x, y, z, w;
};

__host__ __device__ __forceinline__ void sg_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
    const uint64_t p = (uint64_t)a * (uint64_t)b;
    hi = (uint32_t)(p >> 32);
    lo = (uint32_t)p;
}

__host__ __device__ __forceinline__ SgU4 sg_philox4x32_10(SgU4 c, uint32_t k0, uint32_t k1) {
#pragma unroll
    for (int r = 0; r < 10; ++r) {
        if (r > 0) {
            k0 += SG_PHILOX_W0;
            k1 += SG_PHILOX_W1;
        }
        uint32_t hi0, lo0, hi1, lo1;
        sg_mulhilo(SG_PHILOX_M0, c.x, hi0, lo0);
        sg_mulhilo(SG_PHILOX_M1, c.z, hi1, lo1);
        SgU4 n;
        n.x = hi1 ^ c.y ^ k0;
        n.y = lo1;
        n.z = hi0 ^ c.w ^ k1;
        n.w = lo0;
        c = n;
    }
    return c;
}

// Block `group` of the stream (seed, offset): counter = (group lo, group hi, offset lo, offset hi), key = seed.
__host__ __device__ __forceinline__ SgU4 sg_philox_block(uint64_t seed, uint64_t offset, uint64_t group) {
    SgU4 c;
    c.x = (uint32_t)group;
    c.y = (uint32_t)(group >> 32);
    c.z = (uint32_t)offset;
    c.w = (uint32_t)(offset >> 32);
    return sg_philox4x32_10(c, (uint32_t)seed, (uint32_t)(seed >> 32));
}

// [0, 1) with 24 random bits / 53 random bits
__host__ __device__ __forceinline__ float sg_u01f(uint32_t x) { return (float)(x >> 8) * 5.9604644775390625e-8f; }
__host__ __device__ __forceinline__ double sg_u01d(uint32_t a, uint32_t b) {
    return (double)(((uint64_t)(a >> 5) << 26) | (uint64_t)(b >> 6)) * 1.1102230246251565e-16;
}
