// Host-side self-test of the __host__ __device__ helpers the kernels use, run by build-ptx.sh (needs nvcc and a
// host compiler, no GPU): Philox4x32-10 against the Random123 known-answer vectors, descriptor offsets against
// a direct computation, and N-d unflattening.
#include <cstdio>
#include <cstdlib>
#include "sg_common.cuh"
#include "sg_random.cuh"

static int failures = 0;
#define CHECK(c, ...)                         \
    do {                                      \
        if (!(c)) {                           \
            std::printf("FAIL: " __VA_ARGS__); \
            std::printf("\n");                \
            ++failures;                       \
        }                                     \
    } while (0)

static void philoxKat(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t e0,
                      uint32_t e1, uint32_t e2, uint32_t e3) {
    SgU4 c = {c0, c1, c2, c3};
    SgU4 r = sg_philox4x32_10(c, k0, k1);
    CHECK(r.x == e0 && r.y == e1 && r.z == e2 && r.w == e3, "philox KAT %08x %08x %08x %08x", r.x, r.y, r.z, r.w);
}

int main() {
    // Random123 kat_vectors: philox4x32 10 rounds
    philoxKat(0, 0, 0, 0, 0, 0, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u);
    philoxKat(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu,
              0xa20bc7c6u, 0x6d5451fdu);
    philoxKat(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu,
              0x5001e420u, 0x24126ea1u);

    // a (2, 3, 4) tensor viewed transposed (4, 3, 2) with offset 5
    TDesc d = {};
    d.ndim = 3;
    d.offset = 5;
    d.shape[0] = 4; d.shape[1] = 3; d.shape[2] = 2;
    d.stride[0] = 1; d.stride[1] = 4; d.stride[2] = 12;
    for (unsigned i = 0; i < 24; ++i) {
        unsigned a = i / 6, b = (i / 2) % 3, c = i % 2;
        int expect = 5 + a * 1 + b * 4 + c * 12;
        CHECK(sg_offset(d, i) == expect, "sg_offset(%u) = %d, want %d", i, sg_offset(d, i), expect);
        TDesc z = d;  // broadcast operand: stride 0 on dim 1
        z.stride[1] = 0;
        int oa, ob;
        sg_offset2(d, z, i, oa, ob);
        CHECK(oa == expect && ob == 5 + a + c * 12, "sg_offset2(%u)", i);
    }
    TDesc one = {};
    one.ndim = 1;
    one.offset = 3;
    one.shape[0] = 10;
    one.stride[0] = 2;
    CHECK(sg_offset(one, 7) == 17, "1-d fast path");

    int sizes[SG_MAX_SPATIAL] = {3, 4, 5, 1, 1, 1};
    int coords[SG_MAX_SPATIAL];
    sg_unflatten(2 * 20 + 3 * 5 + 4, 3, sizes, coords);
    CHECK(coords[0] == 2 && coords[1] == 3 && coords[2] == 4, "sg_unflatten");

    if (failures) {
        std::printf("host_selftest: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("host_selftest: OK\n");
    return 0;
}
