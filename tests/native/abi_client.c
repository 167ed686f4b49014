/*
 * abi_client.c — a C99 program that exercises every export of libdepthplugins through the public header,
 * including the error paths. Built by the test suite with
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic abi_client.c -I native/include -L <dir> -ldepthplugins -lpthread
 * Exits 0 when every check passed; prints each failed check.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depthplugins.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        ++checks;                                                          \
        if (!(cond)) {                                                     \
            ++failures;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
        }                                                                  \
    } while (0)

/* Expect a status and a non-empty message. */
#define EXPECT_ERROR(call, want)                                                              \
    do {                                                                                      \
        dp_status got_ = (call);                                                              \
        CHECK(got_ == (want), "%s returned %d (%s), wanted %s; message: %s", #call, (int)got_, \
              dp_status_string(got_), #want, dp_last_error_message());                        \
        CHECK(strlen(dp_last_error_message()) > 0, "no message after %s", #call);              \
    } while (0)

#define EXPECT_OK(call)                                                                               \
    do {                                                                                              \
        dp_status got_ = (call);                                                                      \
        CHECK(got_ == DP_OK, "%s returned %d (%s): %s", #call, (int)got_, dp_status_string(got_), dp_last_error_message()); \
    } while (0)

static dp_image make_image(int w, int h, dp_pixel_format f, int bpp, void *data)
{
    dp_image img;
    memset(&img, 0, sizeof img);
    img.struct_size = sizeof(dp_image);
    img.width = w;
    img.height = h;
    img.format = f;
    img.row_stride_bytes = (int64_t)w * bpp;
    img.data = data;
    img.alpha_mode = DP_ALPHA_STRAIGHT;
    img.transfer = DP_TRANSFER_DEFAULT;
    return img;
}

/* A guide with two colour halves and a depth that follows them, with a hole. */
enum { W = 61, H = 37 };
static uint8_t guide_px[W * H * 4];
static float depth_px[W * H];

static void make_scene(void)
{
    int x, y;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int left = x < W / 2;
            uint8_t *p = &guide_px[(y * W + x) * 4];
            p[0] = left ? 200 : 30;
            p[1] = left ? 40 : 180;
            p[2] = (uint8_t)(60 + (x * 7 + y * 3) % 5);
            p[3] = 255;
            depth_px[y * W + x] = left ? 0.8f : 0.3f;
        }
    for (y = 10; y < 14; y++)
        for (x = 5; x < 9; x++) depth_px[y * W + x] = 0.0f; /* unknown: must be filled with 0.8 */
}

static int32_t count_calls(void *user, float fraction)
{
    int *n = (int *)user;
    (void)fraction;
    ++*n;
    return 0;
}

static int32_t cancel_at_second(void *user, float fraction)
{
    int *n = (int *)user;
    (void)fraction;
    return ++*n >= 2;
}

struct job {
    dp_context *ctx; /* NULL: make its own */
    float out[W * H];
    dp_status status;
};

static void *run_job(void *arg)
{
    struct job *j = (struct job *)arg;
    dp_context *ctx = j->ctx;
    dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
    dp_image d = make_image(W, H, DP_FORMAT_GRAYF32, 4, depth_px);
    dp_image o = make_image(W, H, DP_FORMAT_GRAYF32, 4, j->out);
    int i;
    if (ctx == NULL && dp_context_create(NULL, &ctx) != DP_OK) {
        j->status = DP_ERROR_INTERNAL;
        return NULL;
    }
    for (i = 0; i < 5 && j->status == DP_OK; i++) j->status = dp_refine_depth(ctx, &g, &d, &o, NULL, NULL, NULL);
    if (j->ctx == NULL) dp_context_destroy(ctx);
    return NULL;
}

int main(void)
{
    dp_context *ctx = NULL;
    dp_context_options copts;
    dp_refine_options ropts;
    float out[W * H];
    float sentinel[W * H];
    int i, n, calls;
    int32_t backend = -1;

    /* Versions. */
    CHECK(dp_abi_version() >= DP_ABI_VERSION, "library ABI %u older than header %u", dp_abi_version(), DP_ABI_VERSION);
    CHECK(strncmp(dp_version_string(), "depthplugins ", 13) == 0, "version string '%s'", dp_version_string());
    CHECK(strcmp(dp_status_string(DP_ERROR_CANCELLED), "DP_ERROR_CANCELLED") == 0, "status string");
    CHECK(strcmp(dp_status_string(12345), "unknown dp_status") == 0, "unknown status string");
    CHECK(dp_last_error_message() != NULL, "message never NULL");
    CHECK(sizeof(dp_image) == 40 && sizeof(dp_context_options) == 24 && sizeof(dp_refine_options) == 40,
          "struct sizes %u %u %u", (unsigned)sizeof(dp_image), (unsigned)sizeof(dp_context_options), (unsigned)sizeof(dp_refine_options));

    /* Context options. */
    EXPECT_ERROR(dp_context_options_default(NULL), DP_ERROR_INVALID_ARGUMENT);
    memset(&copts, 0, sizeof copts);
    EXPECT_ERROR(dp_context_options_default(&copts), DP_ERROR_INVALID_ARGUMENT); /* struct_size 0 */
    copts.struct_size = sizeof copts + 64;
    EXPECT_ERROR(dp_context_options_default(&copts), DP_ERROR_INVALID_ARGUMENT); /* too large */
    copts.struct_size = sizeof copts;
    EXPECT_OK(dp_context_options_default(&copts));
    CHECK(copts.backend == DP_BACKEND_AUTO && copts.threads == 0 && copts.device_index == -1, "context defaults");
    CHECK(copts.device_memory_budget_mib == 1024 && copts.fallback_to_cpu == 0, "appended context defaults");

    /* Context lifetime. */
    EXPECT_ERROR(dp_context_create(&copts, NULL), DP_ERROR_INVALID_ARGUMENT);
    copts.threads = -3;
    ctx = (dp_context *)1;
    EXPECT_ERROR(dp_context_create(&copts, &ctx), DP_ERROR_INVALID_ARGUMENT);
    CHECK(ctx == NULL, "context set to NULL on failure");
    copts.threads = 0;
    copts.backend = 77;
    EXPECT_ERROR(dp_context_create(&copts, &ctx), DP_ERROR_INVALID_ARGUMENT);
    copts.backend = DP_BACKEND_CPU;
    copts.device_memory_budget_mib = -1;
    EXPECT_ERROR(dp_context_create(&copts, &ctx), DP_ERROR_INVALID_ARGUMENT);
    copts.device_memory_budget_mib = 0;
    copts.struct_size = 16; /* the first published layout, without the appended budget and fallback fields */
    EXPECT_OK(dp_context_create(&copts, &ctx));
    EXPECT_OK(dp_context_destroy(ctx));
    copts.struct_size = 4;
    EXPECT_ERROR(dp_context_create(&copts, &ctx), DP_ERROR_INVALID_ARGUMENT);
    copts.struct_size = sizeof copts;
    EXPECT_OK(dp_context_create(&copts, &ctx));
    CHECK(ctx != NULL, "context created");
    EXPECT_OK(dp_context_backend(ctx, &backend));
    CHECK(backend == DP_BACKEND_CPU, "backend %d", backend);
    EXPECT_ERROR(dp_context_backend(ctx, NULL), DP_ERROR_INVALID_ARGUMENT);
    EXPECT_ERROR(dp_context_backend(NULL, &backend), DP_ERROR_INVALID_ARGUMENT);
    EXPECT_ERROR(dp_context_backend((dp_context *)(uintptr_t)0xdeadbeef, &backend), DP_ERROR_INVALID_ARGUMENT);
    EXPECT_OK(dp_context_destroy(NULL));

    /* Refine options. */
    EXPECT_ERROR(dp_refine_options_default(NULL), DP_ERROR_INVALID_ARGUMENT);
    ropts.struct_size = sizeof ropts;
    EXPECT_OK(dp_refine_options_default(&ropts));
    CHECK(ropts.method == DP_REFINE_JOINT_BILATERAL && ropts.zero_is_invalid == 1, "refine defaults");

    /* A successful refine: the hole is filled from its neighbours. */
    make_scene();
    {
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        dp_image d = make_image(W, H, DP_FORMAT_GRAYF32, 4, depth_px);
        dp_image o = make_image(W, H, DP_FORMAT_GRAYF32, 4, out);
        dp_image bad;
        uint8_t small[4];
        calls = 0;
        for (i = 0; i < 3; i++) {
            ropts.method = i;
            ropts.radius = 3;
            EXPECT_OK(dp_refine_depth(ctx, &g, &d, &o, &ropts, count_calls, &calls));
            CHECK(fabsf(out[11 * W + 6] - 0.8f) < 1e-3f, "method %d: hole filled with %f", i, out[11 * W + 6]);
            CHECK(fabsf(out[20 * W + 50] - 0.3f) < 1e-3f, "method %d: right side %f", i, out[20 * W + 50]);
        }
        CHECK(calls > 3, "progress called %d times", calls);
        EXPECT_OK(dp_refine_depth(ctx, &g, &d, &o, NULL, NULL, NULL)); /* NULL options = defaults */
        /* A caller built against the first layout (32 bytes, before weights_path) is accepted; bytes beyond its
           struct_size are never read. */
        dp_refine_options_default(&ropts);
        CHECK(ropts.weights_path == NULL, "weights_path defaults to NULL");
        ropts.struct_size = 32;
        ropts.weights_path = "/never/read";
        EXPECT_OK(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL));

        /* Every error leaves the output untouched. */
        for (i = 0; i < W * H; i++) sentinel[i] = out[i] = -7.0f;
#define UNTOUCHED() do { for (n = 0, i = 0; i < W * H; i++) n += out[i] != sentinel[i]; CHECK(n == 0, "output modified (%d pixels)", n); } while (0)
        EXPECT_ERROR(dp_refine_depth(NULL, &g, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_refine_depth(ctx, NULL, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_refine_depth(ctx, &g, NULL, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, NULL, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.data = NULL;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.width = 0;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.height = -5;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.row_stride_bytes = W * 4 - 1; /* too small */
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.row_stride_bytes = -(W * 4 - 4); /* negative and too small */
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.row_stride_bytes = INT64_MIN;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.format = 99;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.alpha_mode = 5;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.struct_size = 8;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = g; bad.struct_size = sizeof(dp_image) + 8;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        /* width × height × bpp overflows the address space. */
        bad = make_image(1 << 20, 1 << 20, DP_FORMAT_RGBAF32, 16, small);
        bad.row_stride_bytes = INT64_MAX / 2;
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        /* Too large a side. */
        bad = make_image((1 << 20) + 1, 1, DP_FORMAT_GRAY8, 1, small);
        EXPECT_ERROR(dp_refine_depth(ctx, &bad, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        /* Huge but addressable: refused before any pixel is read. */
        bad = make_image(1 << 20, 1 << 20, DP_FORMAT_RGBAF32, 16, small);
        {
            dp_image big_depth = make_image(1 << 20, 1 << 20, DP_FORMAT_GRAYF32, 4, small);
            dp_image big_out = big_depth;
            EXPECT_ERROR(dp_refine_depth(ctx, &bad, &big_depth, &big_out, NULL, NULL, NULL), DP_ERROR_OUT_OF_MEMORY);
        }
        /* Output of the wrong size; depth larger than the guide. */
        bad = make_image(W - 1, H, DP_FORMAT_GRAYF32, 4, out);
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &bad, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        bad = make_image(W, H + 1, DP_FORMAT_GRAYF32, 4, depth_px);
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        /* Options out of range. */
        ropts.struct_size = sizeof ropts;
        dp_refine_options_default(&ropts);
        ropts.method = 42;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dp_refine_options_default(&ropts);
        ropts.radius = -1;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dp_refine_options_default(&ropts);
        ropts.radius = 100000;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dp_refine_options_default(&ropts);
        ropts.sigma_range = INFINITY;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dp_refine_options_default(&ropts);
        ropts.struct_size = 3;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        ropts.struct_size = sizeof ropts + 4;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        /* FDKN needs weights; a missing file is an I/O error, a file that is not safetensors a model error. */
        ropts.struct_size = sizeof ropts;
        dp_refine_options_default(&ropts);
        ropts.method = DP_REFINE_FDKN;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        ropts.weights_path = "/nonexistent/fdkn.safetensors";
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_IO);
        ropts.weights_path = "native/include/depthplugins.h";
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, &ropts, NULL, NULL), DP_ERROR_MODEL);
        UNTOUCHED();
        /* Cancel. */
        calls = 0;
        EXPECT_ERROR(dp_refine_depth(ctx, &g, &d, &o, NULL, cancel_at_second, &calls), DP_ERROR_CANCELLED);
        CHECK(calls == 2, "cancel honoured at the call that asked (%d calls)", calls);
        UNTOUCHED();
        /* A stale handle. */
        {
            dp_context *gone = NULL;
            EXPECT_OK(dp_context_create(NULL, &gone));
            EXPECT_OK(dp_context_destroy(gone));
            EXPECT_ERROR(dp_refine_depth(gone, &g, &d, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            EXPECT_ERROR(dp_context_destroy(gone), DP_ERROR_INVALID_ARGUMENT);
        }
        UNTOUCHED();
        /* NaN depth everywhere: no crash, unknown output (0). */
        {
            static float nan_depth[W * H];
            dp_image dn = make_image(W, H, DP_FORMAT_GRAYF32, 4, nan_depth);
            for (i = 0; i < W * H; i++) nan_depth[i] = NAN;
            EXPECT_OK(dp_refine_depth(ctx, &g, &dn, &o, NULL, NULL, NULL));
            CHECK(out[0] == 0.0f, "all-unknown depth gives 0, got %f", out[0]);
        }
    }

    /* Bottom-up (negative stride) input gives the same result as top-down. */
    {
        static uint8_t flipped[W * H * 4];
        float a[W * H], b[W * H];
        int y;
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        dp_image gf;
        dp_image d = make_image(W, H, DP_FORMAT_GRAYF32, 4, depth_px);
        dp_image oa = make_image(W, H, DP_FORMAT_GRAYF32, 4, a);
        dp_image ob = make_image(W, H, DP_FORMAT_GRAYF32, 4, b);
        for (y = 0; y < H; y++) memcpy(&flipped[(H - 1 - y) * W * 4], &guide_px[y * W * 4], W * 4);
        gf = make_image(W, H, DP_FORMAT_RGBA8, 4, &flipped[(H - 1) * W * 4]);
        gf.row_stride_bytes = -(int64_t)W * 4;
        EXPECT_OK(dp_refine_depth(ctx, &g, &d, &oa, NULL, NULL, NULL));
        EXPECT_OK(dp_refine_depth(ctx, &gf, &d, &ob, NULL, NULL, NULL));
        CHECK(memcmp(a, b, sizeof a) == 0, "negative stride result differs");
    }

    /* Threads: 8 threads on their own contexts, then 8 on one shared context; all results equal. */
    {
        static struct job jobs[16];
        pthread_t th[16];
        float expected[W * H];
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        dp_image d = make_image(W, H, DP_FORMAT_GRAYF32, 4, depth_px);
        dp_image o = make_image(W, H, DP_FORMAT_GRAYF32, 4, expected);
        EXPECT_OK(dp_refine_depth(ctx, &g, &d, &o, NULL, NULL, NULL));
        for (i = 0; i < 16; i++) {
            jobs[i].ctx = i < 8 ? NULL : ctx;
            jobs[i].status = DP_OK;
            pthread_create(&th[i], NULL, run_job, &jobs[i]);
        }
        for (i = 0; i < 16; i++) {
            pthread_join(th[i], NULL);
            CHECK(jobs[i].status == DP_OK, "thread %d status %d", i, (int)jobs[i].status);
            CHECK(memcmp(jobs[i].out, expected, sizeof expected) == 0, "thread %d result differs", i);
        }
    }

    /* Per-thread messages do not mix: a failure on another thread leaves ours alone. */
    {
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        EXPECT_ERROR(dp_refine_depth(ctx, &g, NULL, NULL, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        CHECK(strstr(dp_last_error_message(), "depth_in") != NULL, "message names the argument: %s", dp_last_error_message());
    }

    /* Depth estimation: options, argument validation, model errors; the happy path with real ONNX
       fixtures is covered by tests/native/depth_smoke.py. */
    {
        dp_depth_options dopts;
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        dp_image o = make_image(W, H, DP_FORMAT_GRAYF32, 4, out);
        dp_image small = make_image(W - 1, H, DP_FORMAT_GRAYF32, 4, out);
        const char *text_model = "/tmp/dp_abi_client_not_onnx.onnx";
        FILE *f;
        memset(&dopts, 0, sizeof dopts);
        dopts.struct_size = sizeof dopts;
        EXPECT_OK(dp_depth_options_default(&dopts));
        CHECK(sizeof(dp_depth_options) == 36, "sizeof(dp_depth_options) %u", (unsigned)sizeof(dp_depth_options));
        CHECK(dopts.refine == DP_DEPTH_REFINE_GUIDED && dopts.near_is_white == 1 && dopts.provider == DP_PROVIDER_CPU &&
              dopts.input_size == 0 && fabsf(dopts.clip_low - 0.01f) < 1e-6f && fabsf(dopts.clip_high - 0.99f) < 1e-6f,
              "depth defaults");
        dopts.struct_size = 8;
        EXPECT_ERROR(dp_depth_options_default(&dopts), DP_ERROR_INVALID_ARGUMENT);
        dopts.struct_size = sizeof dopts;
        EXPECT_ERROR(dp_depth_options_default(NULL), DP_ERROR_INVALID_ARGUMENT);

        for (i = 0; i < W * H; i++) sentinel[i] = out[i] = -7.0f;
        EXPECT_ERROR(dp_estimate_depth(NULL, "m.onnx", &g, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_estimate_depth(ctx, NULL, &g, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", NULL, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &small, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dopts.refine = 7;
        EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        dopts.refine = DP_DEPTH_REFINE_NONE;
        dopts.clip_low = 0.9f;
        dopts.clip_high = 0.1f;
        EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        EXPECT_ERROR(dp_estimate_depth(ctx, "/nonexistent/dir/model.onnx", &g, &o, NULL, NULL, NULL), DP_ERROR_IO);
        CHECK(strstr(dp_last_error_message(), "does not exist") != NULL, "message: %s", dp_last_error_message());
        f = fopen(text_model, "w");
        CHECK(f != NULL, "cannot write %s", text_model);
        if (f) {
            fputs("not a protobuf\n", f);
            fclose(f);
            EXPECT_ERROR(dp_estimate_depth(ctx, text_model, &g, &o, NULL, NULL, NULL), DP_ERROR_MODEL);
            remove(text_model);
        }
        CHECK(memcmp(out, sentinel, sizeof out) == 0, "depth_out untouched by failed calls");
    }

    EXPECT_OK(dp_context_destroy(ctx));
    printf("abi_client: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
