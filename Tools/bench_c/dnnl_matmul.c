// oneDNN (Debian libdnnl 2.6) matmul against OpenBLAS sgemm at the Linear shapes of Megatron-BERT 345M:
// C[M,N] = A[M,K] · W[N,K]ᵀ with the weights in torch's [out, in] layout.
//
//   dnnl_matmul M N K ITERATIONS
//
// Prints one JSON line per variant with the median GFLOP/s (2·M·N·K per call). Threads: OMP_NUM_THREADS for
// oneDNN, OPENBLAS_NUM_THREADS for OpenBLAS (Tools/bench_gemm.sh sets both to 2). Variants:
//   openblas_f32            cblas_sgemm(A, Wᵀ), run last (its idle threads spin for a while after each call)
//   dnnl_f32_plain          f32 matmul, weights used in place ([N,K] = the "ba" tag of a K×N matrix)
//   dnnl_f32_blocked        f32 matmul, weights reordered once (outside the timing) into oneDNN's chosen layout
//   dnnl_bf16_plain/blocked bf16 activations × bf16 weights → f32 (activation conversion inside the timing)
//   dnnl_s8_plain/blocked   u8 activations × s8 weights → f32 with per-output-channel scales (activation
//                           quantization not timed: it is a separate pass Decant would run anyway)
#include <oneapi/dnnl/dnnl.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { \
    fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__, __LINE__, #call, (int)s_); exit(1); } } while (0)

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

static double median(double *times, int n) {
    qsort(times, n, sizeof(double), compare);
    return times[n / 2];
}

/// f32 → bf16, round to nearest even (the conversion a bf16 GEMM pays for its activations).
static void cvtps_bf16_rows(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        dst[i] = (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static dnnl_memory_t make_memory(const dnnl_memory_desc_t *md, void *data) {
    dnnl_memory_t memory;
    CHECK(dnnl_memory_create(&memory, md, engine, data ? data : DNNL_MEMORY_ALLOCATE));
    return memory;
}

static void *memory_handle(dnnl_memory_t memory) {
    void *handle;
    CHECK(dnnl_memory_get_data_handle(memory, &handle));
    return handle;
}

/// Times one matmul configuration; `blocked` lets oneDNN choose the weight layout (reordered once, untimed).
static void run_dnnl(const char *name, int m, int n, int k, int iterations, dnnl_data_type_t src_type,
                     dnnl_data_type_t weight_type, int blocked, const void *src, const void *weights,
                     const float *scales, int convert_bf16_src, const float *src_f32) {
    dnnl_memory_desc_t src_md, weight_plain_md, weight_md, dst_md;
    dnnl_dims_t src_dims = {m, k}, weight_dims = {k, n}, dst_dims = {m, n};
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, src_type, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&weight_plain_md, 2, weight_dims, weight_type, dnnl_ba));
    CHECK(dnnl_memory_desc_init_by_tag(&weight_md, 2, weight_dims, weight_type, blocked ? dnnl_format_tag_any : dnnl_ba));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t desc;
    CHECK(dnnl_matmul_desc_init(&desc, &src_md, &weight_md, NULL, &dst_md));
    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    if (scales) CHECK(dnnl_primitive_attr_set_output_scales(attr, n, 1 << 1, scales));
    dnnl_primitive_desc_t pd;
    double create_start = now();
    dnnl_status_t status = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    if (status != dnnl_success) {
        printf("{\"variant\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"error\": \"unsupported (%d)\"}\n", name, m, n, k, (int)status);
        dnnl_primitive_attr_destroy(attr);
        return;
    }
    const char *impl = NULL;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    const dnnl_memory_desc_t *chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_t plain = make_memory(&weight_plain_md, (void *)weights);
    dnnl_memory_t weight_memory = plain;
    if (blocked) {
        weight_memory = make_memory(chosen, NULL);
        dnnl_primitive_desc_t reorder_pd;
        CHECK(dnnl_reorder_primitive_desc_create(&reorder_pd, &weight_plain_md, engine, chosen, engine, NULL));
        dnnl_primitive_t reorder;
        CHECK(dnnl_primitive_create(&reorder, reorder_pd));
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, weight_memory}};
        CHECK(dnnl_primitive_execute(reorder, stream, 2, args));
        CHECK(dnnl_stream_wait(stream));
        dnnl_primitive_destroy(reorder);
        dnnl_primitive_desc_destroy(reorder_pd);
    }
    dnnl_memory_t src_memory = make_memory(&src_md, (void *)src);
    dnnl_memory_t dst_memory = make_memory(&dst_md, NULL);
    const dnnl_memory_desc_t *scratch_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    dnnl_memory_t scratch = make_memory(scratch_md, NULL);
    dnnl_primitive_t matmul;
    CHECK(dnnl_primitive_create(&matmul, pd));
    // Descriptor + primitive (JIT) creation: paid for every new shape, e.g. every new token count M.
    double create_ms = (now() - create_start) * 1e3;
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_WEIGHTS, weight_memory},
                               {DNNL_ARG_DST, dst_memory}, {DNNL_ARG_SCRATCHPAD, scratch}};
    double *times = malloc(sizeof(double) * iterations), *cpu = malloc(sizeof(double) * iterations);
    uint16_t *src_bf16 = memory_handle(src_memory);
    for (int i = -2; i < iterations; i++) {
        double start = now(), cpu_start = cpu_now();
        if (convert_bf16_src) cvtps_bf16_rows(src_f32, src_bf16, (size_t)m * k);
        CHECK(dnnl_primitive_execute(matmul, stream, 4, args));
        CHECK(dnnl_stream_wait(stream));
        if (i >= 0) times[i] = now() - start, cpu[i] = cpu_now() - cpu_start;
    }
    double seconds = median(times, iterations), cpu_seconds = median(cpu, iterations);
    printf("{\"variant\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"gflops\": %.1f, \"cpu_gflops\": %.1f, \"ms\": %.3f, "
           "\"create_ms\": %.2f, \"impl\": \"%s\"}\n", name, m, n, k, 2.0 * m * n * k / seconds / 1e9,
           2.0 * m * n * k / cpu_seconds / 1e9, seconds * 1e3, create_ms, impl);
    free(cpu);
    fflush(stdout);
    free(times);
    dnnl_primitive_destroy(matmul);
    dnnl_memory_destroy(scratch);
    dnnl_memory_destroy(src_memory);
    dnnl_memory_destroy(dst_memory);
    if (blocked) dnnl_memory_destroy(weight_memory);
    dnnl_memory_destroy(plain);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
}

static float uniform(uint64_t *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(*state >> 40) / (float)(1 << 24) - 0.5f;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: dnnl_matmul M N K ITERATIONS\n"); return 2; }
    int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]), iterations = atoi(argv[4]);
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    uint64_t state = 1;
    float *a = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k), *c = malloc(sizeof(float) * m * n);
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = uniform(&state);
    for (size_t i = 0; i < (size_t)n * k; i++) w[i] = uniform(&state) * 0.1f;
    uint16_t *a16 = malloc(2 * (size_t)m * k), *w16 = malloc(2 * (size_t)n * k);
    cvtps_bf16_rows(a, a16, (size_t)m * k);
    cvtps_bf16_rows(w, w16, (size_t)n * k);
    uint8_t *a8 = malloc((size_t)m * k);
    int8_t *w8 = malloc((size_t)n * k);
    float *scales = malloc(sizeof(float) * n);
    for (size_t i = 0; i < (size_t)m * k; i++) a8[i] = (uint8_t)lrintf(a[i] * 254.0f + 128.0f);
    for (int row = 0; row < n; row++) {
        float max = 0;
        for (int j = 0; j < k; j++) max = fmaxf(max, fabsf(w[(size_t)row * k + j]));
        scales[row] = max / 127.0f / 254.0f;
        for (int j = 0; j < k; j++) w8[(size_t)row * k + j] = (int8_t)lrintf(w[(size_t)row * k + j] / (max / 127.0f));
    }
    for (int blocked = 0; blocked <= 1; blocked++) {
        run_dnnl(blocked ? "dnnl_f32_blocked" : "dnnl_f32_plain", m, n, k, iterations, dnnl_f32, dnnl_f32, blocked, a, w,
                 NULL, 0, NULL);
        run_dnnl(blocked ? "dnnl_bf16_blocked" : "dnnl_bf16_plain", m, n, k, iterations, dnnl_bf16, dnnl_bf16, blocked, a16,
                 w16, NULL, 1, a);
        run_dnnl(blocked ? "dnnl_s8_blocked" : "dnnl_s8_plain", m, n, k, iterations, dnnl_u8, dnnl_s8, blocked, a8, w8,
                 scales, 0, NULL);
    }
    // OpenBLAS last: its threads keep spinning for a while after a call and would slow whatever runs next.
    double *times = malloc(sizeof(double) * iterations), *cpu = malloc(sizeof(double) * iterations);
    for (int i = -2; i < iterations; i++) {
        double start = now(), cpu_start = cpu_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, a, k, w, k, 0, c, n);
        if (i >= 0) times[i] = now() - start, cpu[i] = cpu_now() - cpu_start;
    }
    double seconds = median(times, iterations), cpu_seconds = median(cpu, iterations);
    printf("{\"variant\": \"openblas_f32\", \"m\": %d, \"n\": %d, \"k\": %d, \"gflops\": %.1f, \"cpu_gflops\": %.1f, "
           "\"ms\": %.3f, \"impl\": \"%s\"}\n", m, n, k, 2.0 * m * n * k / seconds / 1e9,
           2.0 * m * n * k / cpu_seconds / 1e9, seconds * 1e3, openblas_get_corename());
    fflush(stdout);

    return 0;
}
