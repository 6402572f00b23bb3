/// XXH64 (xxHash by Yann Collet, BSD-2-Clause algorithm), written from the specification in xxHash's
/// doc/xxhash_spec.md: the checksum of every tensor and of the header in .decant files.
#include "CKernels.h"
#include <string.h>

static const uint64_t PRIME1 = 0x9E3779B185EBCA87ULL;
static const uint64_t PRIME2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t PRIME3 = 0x165667B19E3779F9ULL;
static const uint64_t PRIME4 = 0x85EBCA77C2B2AE63ULL;
static const uint64_t PRIME5 = 0x27D4EB2F165667C5ULL;

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t read64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }  // little-endian hosts
static inline uint32_t read32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static inline uint64_t round64(uint64_t lane, uint64_t input) {
    lane += input * PRIME2;
    lane = rotl(lane, 31);
    return lane * PRIME1;
}

static inline uint64_t merge(uint64_t hash, uint64_t lane) {
    hash ^= round64(0, lane);
    return hash * PRIME1 + PRIME4;
}

/// Consumes whole 32-byte stripes; returns the bytes consumed.
static size_t consume_stripes(uint64_t lanes[4], const uint8_t *p, size_t length) {
    size_t done = 0;
    uint64_t v1 = lanes[0], v2 = lanes[1], v3 = lanes[2], v4 = lanes[3];
    for (; done + 32 <= length; done += 32) {
        v1 = round64(v1, read64(p + done));
        v2 = round64(v2, read64(p + done + 8));
        v3 = round64(v3, read64(p + done + 16));
        v4 = round64(v4, read64(p + done + 24));
    }
    lanes[0] = v1; lanes[1] = v2; lanes[2] = v3; lanes[3] = v4;
    return done;
}

static uint64_t finish(uint64_t hash, const uint8_t *p, size_t remaining) {
    while (remaining >= 8) {
        hash ^= round64(0, read64(p));
        hash = rotl(hash, 27) * PRIME1 + PRIME4;
        p += 8; remaining -= 8;
    }
    if (remaining >= 4) {
        hash ^= (uint64_t)read32(p) * PRIME1;
        hash = rotl(hash, 23) * PRIME2 + PRIME3;
        p += 4; remaining -= 4;
    }
    while (remaining > 0) {
        hash ^= (uint64_t)(*p) * PRIME5;
        hash = rotl(hash, 11) * PRIME1;
        p++; remaining--;
    }
    hash ^= hash >> 33;
    hash *= PRIME2;
    hash ^= hash >> 29;
    hash *= PRIME3;
    hash ^= hash >> 32;
    return hash;
}

static uint64_t converge(const uint64_t lanes[4]) {
    uint64_t hash = rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18);
    for (int i = 0; i < 4; i++) hash = merge(hash, lanes[i]);
    return hash;
}

void decant_xxh64_reset(decant_xxh64_state *state, uint64_t seed) {
    memset(state, 0, sizeof *state);
    state->seed = seed;
    state->lanes[0] = seed + PRIME1 + PRIME2;
    state->lanes[1] = seed + PRIME2;
    state->lanes[2] = seed;
    state->lanes[3] = seed - PRIME1;
}

void decant_xxh64_update(decant_xxh64_state *state, const void *data, size_t length) {
    const uint8_t *p = data;
    state->total_length += length;
    if (state->buffered + length < 32) {
        if (length) memcpy(state->buffer + state->buffered, p, length);
        state->buffered += (uint32_t)length;
        return;
    }
    if (state->buffered) {
        size_t fill = 32 - state->buffered;
        memcpy(state->buffer + state->buffered, p, fill);
        consume_stripes(state->lanes, state->buffer, 32);
        p += fill; length -= fill;
        state->buffered = 0;
    }
    size_t done = consume_stripes(state->lanes, p, length);
    memcpy(state->buffer, p + done, length - done);
    state->buffered = (uint32_t)(length - done);
}

uint64_t decant_xxh64_digest(const decant_xxh64_state *state) {
    uint64_t hash = state->total_length >= 32 ? converge(state->lanes) : state->seed + PRIME5;
    hash += state->total_length;
    return finish(hash, state->buffer, state->buffered);
}

uint64_t decant_xxh64(const void *data, size_t length, uint64_t seed) {
    decant_xxh64_state state;
    decant_xxh64_reset(&state, seed);
    decant_xxh64_update(&state, data, length);
    return decant_xxh64_digest(&state);
}
