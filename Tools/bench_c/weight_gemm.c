// Decant's products with weights in their storage type (Sources/CKernels/weight_gemm.c) at the Linear shapes of
// Megatron-BERT 345M, threaded as the forward pass threads them: activations prepared in row halves, output
// columns split between the threads (multiples of 64), each thread with its own panel scratch.
//
//   weight_gemm M N K ITERATIONS THREADS
//
// Prints one JSON line per storage type and path this CPU runs, with the median GFLOP/s (2·M·N·K per product,
// activation preparation included; by wall time and by process CPU time). Tools/bench_gemm.sh builds it against
// the CKernels sources.
#include "CKernels.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// CPU time of the whole process: with one thread, the time the product ran whatever else the machine did.
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float uniform(uint64_t *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(*state >> 40) / (float)(1 << 24) - 0.5f;
}

typedef struct {
    decant_gemm_input *input;
    const void *weights;
    size_t rows[2], columns[2];
    float *c;
    size_t ldc;
    void *scratch;
    int phase;
} job;

static void *work(void *argument) {
    job *j = argument;
    if (j->phase == 0) {
        decant_gemm_input_prepare(j->input, j->rows[0], j->rows[1]);
    } else if (decant_gemm_run(j->input, j->weights, j->columns[0], j->columns[1], j->c, j->ldc, j->scratch) != 0) {
        fprintf(stderr, "run failed\n");
        exit(1);
    }
    return NULL;
}

/// One product on `threads` threads: prepare (row split), then run (column split), like BertQAModel.product.
static void product(decant_gemm_input *input, const void *weights, size_t n, float *c, void **scratch, int threads) {
    pthread_t ids[16];
    job jobs[16];
    size_t tiles = (n + 63) / 64;
    for (int phase = 0; phase < 2; phase++) {
        if (phase == 0 && decant_gemm_input_bytes(input->storage, input->path, input->m, input->k) == 0) continue;
        for (int t = 0; t < threads; t++) {
            size_t tile0 = tiles * t / threads, tile1 = tiles * (t + 1) / threads;
            jobs[t] = (job){input, weights, {input->m * t / threads, input->m * (t + 1) / threads},
                            {tile0 * 64, tile1 * 64 < n ? tile1 * 64 : n}, c, n, scratch[t], phase};
            if (t > 0) pthread_create(&ids[t], NULL, work, &jobs[t]);
        }
        work(&jobs[0]);
        for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: weight_gemm M N K ITERATIONS THREADS\n");
        return 2;
    }
    size_t m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    int iterations = atoi(argv[4]), threads = atoi(argv[5]);
    static const char *storage_names[] = {"f32", "f16", "bf16", "q8", "q4"};
    static const char *path_names[] = {"portable", "avx2", "avx_vnni", "avx512", "avx512_vnni", "avx512_bf16"};
    uint64_t state = 1;
    float *a = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k), *c = malloc(sizeof(float) * m * n);
    for (size_t i = 0; i < m * k; i++) a[i] = uniform(&state);
    for (size_t i = 0; i < n * k; i++) w[i] = uniform(&state) * 0.1f;
    void *encoded = malloc(n * k * 2);
    double *times = malloc(sizeof(double) * iterations), *cpu = malloc(sizeof(double) * iterations);
    for (int storage = DECANT_STORAGE_F16; storage <= DECANT_STORAGE_Q4; storage++) {
        size_t bad;
        switch (storage) {
        case DECANT_STORAGE_F16: decant_f32_to_f16(w, encoded, n * k, decant_kernel_best_path()); break;
        case DECANT_STORAGE_BF16: decant_f32_to_bf16(w, encoded, n * k, decant_kernel_best_path()); break;
        case DECANT_STORAGE_Q8: decant_q8_encode(w, encoded, n * k / 32, decant_kernel_best_path(), &bad); break;
        default: decant_q4_encode(w, encoded, n * k / 32, decant_kernel_best_path(), &bad); break;
        }
        for (int path = DECANT_GEMM_AVX2; path <= DECANT_GEMM_AVX512_BF16; path++) {
            if (!decant_gemm_path_available(storage, path)) continue;
            decant_gemm_input input;
            void *buffer = aligned_alloc(64, decant_gemm_input_bytes(storage, path, m, k) + 64);
            void *scratch[16];
            for (int t = 0; t < threads; t++) scratch[t] = aligned_alloc(64, decant_gemm_workspace_bytes(storage, path, k));
            if (decant_gemm_input_init(&input, storage, path, a, k, m, k, buffer) != 0) return 1;
            for (int i = -2; i < iterations; i++) {
                memset(c, 0, sizeof(float) * m * n);
                double start = now(), cpu_start = cpu_now();
                product(&input, encoded, n, c, scratch, threads);
                if (i >= 0) times[i] = now() - start, cpu[i] = cpu_now() - cpu_start;
            }
            qsort(times, iterations, sizeof(double), compare);
            qsort(cpu, iterations, sizeof(double), compare);
            double seconds = times[iterations / 2], cpu_seconds = cpu[iterations / 2];
            printf("{\"variant\": \"decant_%s_%s\", \"m\": %zu, \"n\": %zu, \"k\": %zu, \"threads\": %d, \"gflops\": %.1f, "
                   "\"cpu_gflops\": %.1f, \"ms\": %.3f}\n", storage_names[storage], path_names[path], m, n, k, threads,
                   2.0 * m * n * k / seconds / 1e9, 2.0 * m * n * k / cpu_seconds / 1e9, seconds * 1e3);
            fflush(stdout);
            for (int t = 0; t < threads; t++) free(scratch[t]);
            free(buffer);
        }
    }
    return 0;
}
