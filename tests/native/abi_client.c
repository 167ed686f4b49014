/*
 * abi_client.c — a C99 program that exercises every export of libdepthplugins through the public header,
 * including the error paths. Built by the test suite with
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic abi_client.c -I native/include -L <dir> -ldepthplugins -lpthread
 * Exits 0 when every check passed; prints each failed check.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
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

static int32_t cancel_at_first(void *user, float fraction)
{
    int *n = (int *)user;
    (void)fraction;
    ++*n;
    return 1;
}

/* Two threads that fail in turn, kept in step by a barrier: each must keep seeing its own message. */
struct message_thread {
    dp_context *ctx;
    int role;                /* 0: thread A, 1: thread B */
    pthread_barrier_t *step; /* shared by both */
    int fresh_empty;         /* the message was "" before this thread's first failure */
    char own[256];           /* copy of this thread's message right after its failure */
    int own_status;
    int kept_after_other;    /* still its own after the other thread failed */
    int kept_after_success;  /* still its own after a successful call on this thread */
    char seen[256];          /* what dp_last_error_message() returned at the end */
};

static void *message_worker(void *arg)
{
    struct message_thread *t = (struct message_thread *)arg;
    uint8_t px[4] = {1, 2, 3, 255};
    dp_image one = make_image(1, 1, DP_FORMAT_RGBA8, 4, px);
    dp_lens_blur_options lo;
    int32_t backend;
    t->fresh_empty = strcmp(dp_last_error_message(), "") == 0;
    if (t->role == 0) {
        /* A fails first ... */
        t->own_status = dp_refine_depth(t->ctx, &one, NULL, NULL, NULL, NULL, NULL);
        strncpy(t->own, dp_last_error_message(), sizeof t->own - 1);
        pthread_barrier_wait(t->step); /* 1: A has failed */
        pthread_barrier_wait(t->step); /* 2: B has failed */
    } else {
        pthread_barrier_wait(t->step); /* 1 */
        /* ... then B fails differently while A's message is still current. */
        memset(&lo, 0, sizeof lo);
        lo.struct_size = sizeof lo;
        dp_lens_blur_options_default(&lo);
        lo.blades = 2;
        t->own_status = dp_lens_blur(t->ctx, &one, &one, &one, &lo, NULL, NULL);
        strncpy(t->own, dp_last_error_message(), sizeof t->own - 1);
        pthread_barrier_wait(t->step); /* 2 */
    }
    t->kept_after_other = strcmp(dp_last_error_message(), t->own) == 0;
    pthread_barrier_wait(t->step); /* 3: both have read */
    dp_context_backend(t->ctx, &backend); /* succeeds: must not clear the message */
    t->kept_after_success = strcmp(dp_last_error_message(), t->own) == 0;
    strncpy(t->seen, dp_last_error_message(), sizeof t->seen - 1);
    return NULL;
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

    /* Per-thread messages do not mix: a failure on another thread leaves ours alone. Thread A fails, then (after a
       barrier) thread B fails with a different message; each then reads its own message, and again after a
       successful call. The main thread's message survives both. */
    {
        dp_image g = make_image(W, H, DP_FORMAT_RGBA8, 4, guide_px);
        static struct message_thread mt[2];
        pthread_t th[2];
        pthread_barrier_t step;
        char mine[256];
        EXPECT_ERROR(dp_refine_depth(ctx, &g, NULL, NULL, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
        CHECK(strstr(dp_last_error_message(), "depth_in") != NULL, "message names the argument: %s", dp_last_error_message());
        memset(mine, 0, sizeof mine);
        strncpy(mine, dp_last_error_message(), sizeof mine - 1);
        CHECK(pthread_barrier_init(&step, NULL, 2) == 0, "pthread_barrier_init");
        for (i = 0; i < 2; i++) {
            memset(&mt[i], 0, sizeof mt[i]);
            mt[i].ctx = ctx;
            mt[i].role = i;
            mt[i].step = &step;
            CHECK(pthread_create(&th[i], NULL, message_worker, &mt[i]) == 0, "pthread_create %d", i);
        }
        for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
        pthread_barrier_destroy(&step);
        for (i = 0; i < 2; i++) {
            CHECK(mt[i].fresh_empty, "thread %c: message not empty before its first failure", 'A' + i);
            CHECK(mt[i].own_status == DP_ERROR_INVALID_ARGUMENT, "thread %c: status %d (%s)", 'A' + i, mt[i].own_status, mt[i].own);
            CHECK(mt[i].kept_after_other, "thread %c: message changed by the other thread's failure: '%s' became '%s'",
                  'A' + i, mt[i].own, mt[i].seen);
            CHECK(mt[i].kept_after_success, "thread %c: message changed by a successful call: '%s' became '%s'",
                  'A' + i, mt[i].own, mt[i].seen);
        }
        CHECK(strstr(mt[0].seen, "dp_refine_depth") != NULL && strstr(mt[0].seen, "depth_in") != NULL,
              "thread A sees its own failure: %s", mt[0].seen);
        CHECK(strstr(mt[1].seen, "dp_lens_blur") != NULL && strstr(mt[1].seen, "blades") != NULL,
              "thread B sees its own failure: %s", mt[1].seen);
        CHECK(strcmp(dp_last_error_message(), mine) == 0, "main thread's message changed by the threads: %s", dp_last_error_message());
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
        /* Bad images and options are refused before the model is looked up ("m.onnx" does not exist: a model error
           would mean the arguments were checked too late). */
        dp_depth_options_default(&dopts);
        {
            dp_image bad;
            uint8_t tiny[16 * 16];
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, NULL, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.data = NULL;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.width = 0;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.height = -1;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.row_stride_bytes = W * 4 - 1;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.row_stride_bytes = -(W * 4 - 4);
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.row_stride_bytes = INT64_MIN;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.format = 0;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.format = 99;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.transfer = 3;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.struct_size = 8;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = g; bad.struct_size = sizeof(dp_image) + 8;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = make_image(1 << 20, 1 << 20, DP_FORMAT_RGBAF32, 16, tiny);
            bad.row_stride_bytes = INT64_MAX / 2; /* width x height x bpp overflows */
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &bad, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = o; bad.width = 0;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &bad, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = o; bad.format = 99;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &bad, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = o; bad.row_stride_bytes = 4;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &bad, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            bad = o; bad.struct_size = 0;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &bad, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            /* Smaller than 16x16. */
            {
                dp_image ti = make_image(15, 16, DP_FORMAT_GRAY8, 1, tiny);
                dp_image to = make_image(15, 16, DP_FORMAT_GRAY8, 1, tiny);
                EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &ti, &to, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
                CHECK(strstr(dp_last_error_message(), "too small") != NULL, "message: %s", dp_last_error_message());
            }
            /* Options: struct_size, enums, ranges. */
            dopts.struct_size = 0;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dopts.struct_size = sizeof dopts - 4;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dopts.struct_size = sizeof dopts + 4;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dopts.struct_size = sizeof dopts;
            dp_depth_options_default(&dopts);
            dopts.provider = 9;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.refine_radius = -1;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.refine_radius = 257;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.input_size = -14;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.clip_low = NAN;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.clip_high = 1.5f;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            dp_depth_options_default(&dopts);
            dopts.device_id = -1;
            EXPECT_ERROR(dp_estimate_depth(ctx, "m.onnx", &g, &o, &dopts, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            /* A stale context. */
            {
                dp_context *gone = NULL;
                EXPECT_OK(dp_context_create(NULL, &gone));
                EXPECT_OK(dp_context_destroy(gone));
                EXPECT_ERROR(dp_estimate_depth(gone, "m.onnx", &g, &o, NULL, NULL, NULL), DP_ERROR_INVALID_ARGUMENT);
            }
        }
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

    /* Lens blur: options, results that need no reference, argument validation, cancel. */
    {
        enum { LW = 29, LH = 23, DW = 15, DH = 12, LN = LW * LH * 4 };
        static uint8_t img8[LN], flat8[LN], res8[LN], other8[LN], lsent[LN], flipped[LN];
        static uint16_t dep16[DW * DH];
        static float depf[LW * LH];
        dp_lens_blur_options lo;
        dp_image li, lf, ld, ldf, lr, bad;
        uint8_t tiny[16];
        int x, y, c, worst;
        CHECK(sizeof(dp_lens_blur_options) == 56, "sizeof(dp_lens_blur_options) %u", (unsigned)sizeof(dp_lens_blur_options));

        /* Options: NULL, struct_size too small / too large, defaults as documented. */
        EXPECT_ERROR(dp_lens_blur_options_default(NULL), DP_ERROR_INVALID_ARGUMENT);
        memset(&lo, 0, sizeof lo);
        EXPECT_ERROR(dp_lens_blur_options_default(&lo), DP_ERROR_INVALID_ARGUMENT); /* struct_size 0 */
        lo.struct_size = offsetof(dp_lens_blur_options, full_resolution) - 4; /* below the first layout */
        EXPECT_ERROR(dp_lens_blur_options_default(&lo), DP_ERROR_INVALID_ARGUMENT);
        lo.struct_size = sizeof lo + 4;
        EXPECT_ERROR(dp_lens_blur_options_default(&lo), DP_ERROR_INVALID_ARGUMENT);
        CHECK(lo.aperture == 0.0f && lo.focus == 0.0f, "a refused call wrote the options");
        lo.struct_size = sizeof lo;
        EXPECT_OK(dp_lens_blur_options_default(&lo));
        CHECK(lo.struct_size == sizeof lo && lo.focus == 0.5f && lo.focus_from_point == 0 && lo.aperture == 20.0f &&
                  lo.blades == 0 && lo.rotation == 0.0f && lo.highlight_threshold == 1.0f && lo.highlight_gain == 0.0f &&
                  lo.max_near_radius == DP_LENS_BLUR_MAX_RADIUS && lo.max_far_radius == DP_LENS_BLUR_MAX_RADIUS &&
                  lo.depth_near == DP_DEPTH_NEAR_WHITE && lo.full_resolution == 0,
              "lens blur defaults");
        /* A caller built against the first layout (without full_resolution) still works: the library writes and reads
           only the struct_size bytes it was given. */
        memset(&lo, 0x7f, sizeof lo);
        lo.struct_size = offsetof(dp_lens_blur_options, full_resolution);
        EXPECT_OK(dp_lens_blur_options_default(&lo));
        CHECK(lo.aperture == 20.0f && lo.full_resolution == 0x7f7f7f7f, "first-layout defaults: wrote past struct_size");
        lo.struct_size = sizeof lo;
        EXPECT_OK(dp_lens_blur_options_default(&lo));

        /* A textured RGBA8 image, a constant one with partial alpha, a smaller GRAY16 depth with a near square,
           and a full-size float depth that is constant. */
        for (y = 0; y < LH; y++)
            for (x = 0; x < LW; x++) {
                uint8_t *p = &img8[(y * LW + x) * 4], *q = &flat8[(y * LW + x) * 4];
                p[0] = (uint8_t)(x * 8);
                p[1] = (uint8_t)(y * 10);
                p[2] = (uint8_t)((x * 37 + y * 11) % 256);
                p[3] = 255;
                q[0] = 90;
                q[1] = 140;
                q[2] = 200;
                q[3] = 180;
                depf[y * LW + x] = 0.25f;
            }
        for (y = 0; y < DH; y++)
            for (x = 0; x < DW; x++) dep16[y * DW + x] = (uint16_t)(x >= 5 && x < 10 && y >= 4 && y < 8 ? 60000 : 10000);
        li = make_image(LW, LH, DP_FORMAT_RGBA8, 4, img8);
        lf = make_image(LW, LH, DP_FORMAT_RGBA8, 4, flat8);
        ld = make_image(DW, DH, DP_FORMAT_GRAY16, 2, dep16);
        ldf = make_image(LW, LH, DP_FORMAT_GRAYF32, 4, depf);
        lr = make_image(LW, LH, DP_FORMAT_RGBA8, 4, res8);

        /* Aperture 0: nothing is blurred, out = image exactly. */
        lo.aperture = 0.0f;
        memset(res8, 0, sizeof res8);
        EXPECT_OK(dp_lens_blur(ctx, &li, &ld, &lr, &lo, NULL, NULL));
        CHECK(memcmp(res8, img8, sizeof res8) == 0, "aperture 0 changed the image");
        /* Depth equal to the focus everywhere, wide aperture, hexagonal bokeh: out = image exactly. */
        dp_lens_blur_options_default(&lo);
        lo.focus = 0.25f;
        lo.aperture = 40.0f;
        lo.blades = 6;
        memset(res8, 0, sizeof res8);
        EXPECT_OK(dp_lens_blur(ctx, &li, &ldf, &lr, &lo, NULL, NULL));
        CHECK(memcmp(res8, img8, sizeof res8) == 0, "an image entirely in focus changed");
        /* The same with the focus taken from a point (the median depth there is 0.25). */
        dp_lens_blur_options_default(&lo);
        lo.focus_from_point = 1;
        lo.focus_x = 3.0f;
        lo.focus_y = LH - 0.5f;
        lo.aperture = 40.0f;
        memset(res8, 0, sizeof res8);
        EXPECT_OK(dp_lens_blur(ctx, &li, &ldf, &lr, &lo, NULL, NULL));
        CHECK(memcmp(res8, img8, sizeof res8) == 0, "focus from a point: an image entirely in focus changed");

        /* A constant image stays constant under a strong, depth-varying blur (alpha included). */
        dp_lens_blur_options_default(&lo);
        lo.focus = 0.0f;
        lo.aperture = 6.0f;
        memset(res8, 0, sizeof res8);
        EXPECT_OK(dp_lens_blur(ctx, &lf, &ld, &lr, &lo, NULL, NULL));
        for (worst = 0, i = 0; i < LN; i++) {
            int dv = abs((int)res8[i] - (int)flat8[i]);
            if (dv > worst) worst = dv;
        }
        CHECK(worst <= 1, "a constant image changed by up to %d levels", worst);

        /* A real blur: the near square is out of focus, the output differs from the image, opaque stays opaque. */
        dp_lens_blur_options_default(&lo);
        lo.focus = 10000.0f / 65535.0f;
        lo.aperture = 8.0f;
        lo.blades = 5;
        lo.rotation = 15.0f;
        calls = 0;
        EXPECT_OK(dp_lens_blur(ctx, &li, &ld, &lr, &lo, count_calls, &calls));
        CHECK(calls >= 2, "progress called %d times", calls);
        for (n = 0, i = 0; i < LN; i++) n += res8[i] != img8[i];
        CHECK(n > 0, "the near square was not blurred");
        for (n = 0, i = 3; i < LN; i += 4) n += res8[i] != 255;
        CHECK(n == 0, "alpha of an opaque image changed in %d pixels", n);
        /* In place (out aliases image) gives the same result. */
        memcpy(other8, img8, sizeof other8);
        {
            dp_image io = make_image(LW, LH, DP_FORMAT_RGBA8, 4, other8);
            EXPECT_OK(dp_lens_blur(ctx, &io, &ld, &io, &lo, NULL, NULL));
            CHECK(memcmp(other8, res8, sizeof res8) == 0, "in-place lens blur differs");
        }
        /* A bottom-up image (negative stride) gives the same result. */
        for (y = 0; y < LH; y++) memcpy(&flipped[(LH - 1 - y) * LW * 4], &img8[y * LW * 4], LW * 4);
        {
            dp_image fi = make_image(LW, LH, DP_FORMAT_RGBA8, 4, &flipped[(LH - 1) * LW * 4]);
            dp_image fo = make_image(LW, LH, DP_FORMAT_RGBA8, 4, other8);
            fi.row_stride_bytes = -(int64_t)LW * 4;
            memset(other8, 0, sizeof other8);
            EXPECT_OK(dp_lens_blur(ctx, &fi, &ld, &fo, &lo, NULL, NULL));
            CHECK(memcmp(other8, res8, sizeof res8) == 0, "negative-stride lens blur differs");
        }
        /* NULL options = defaults. */
        EXPECT_OK(dp_lens_blur(ctx, &li, &ld, &lr, NULL, NULL, NULL));

        /* Every error leaves out untouched. */
        memset(res8, 0xA5, sizeof res8);
        memcpy(lsent, res8, sizeof lsent);
#define LB_UNTOUCHED(what) do { for (n = 0, c = 0; c < LN; c++) n += res8[c] != lsent[c]; CHECK(n == 0, "%s: out modified (%d bytes)", what, n); } while (0)
#define LB_BAD(ctx_, img_, dep_, out_, opts_, want)                                  \
        do {                                                                         \
            EXPECT_ERROR(dp_lens_blur(ctx_, img_, dep_, out_, opts_, NULL, NULL), want); \
            LB_UNTOUCHED(#img_ " " #dep_ " " #out_ " " #opts_);                      \
        } while (0)
        dp_lens_blur_options_default(&lo);
        LB_BAD(NULL, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        LB_BAD(ctx, NULL, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        LB_BAD(ctx, &li, NULL, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        LB_BAD(ctx, &li, &ld, NULL, &lo, DP_ERROR_INVALID_ARGUMENT);
        LB_BAD((dp_context *)(uintptr_t)0xdeadbeef, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.data = NULL;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.width = 0;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.height = -3;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = ld; bad.width = 0;
        LB_BAD(ctx, &li, &bad, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = lr; bad.height = 0;
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.row_stride_bytes = LW * 4 - 1;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.row_stride_bytes = -(LW * 4 - 4);
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.row_stride_bytes = INT64_MIN;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = ld; bad.row_stride_bytes = DW * 2 - 1;
        LB_BAD(ctx, &li, &bad, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = lr; bad.row_stride_bytes = 0;
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.format = 99;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = ld; bad.format = 0;
        LB_BAD(ctx, &li, &bad, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = lr; bad.format = -1;
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.alpha_mode = 2;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = lr; bad.transfer = 7;
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = li; bad.struct_size = 8;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = ld; bad.struct_size = sizeof(dp_image) + 8;
        LB_BAD(ctx, &li, &bad, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = lr; bad.struct_size = 0;
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        /* width x height x bpp overflows; a side over the limit; huge but addressable (refused before reading). */
        bad = make_image(1 << 20, 1 << 20, DP_FORMAT_RGBAF32, 16, tiny);
        bad.row_stride_bytes = INT64_MAX / 2;
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = make_image((1 << 20) + 1, 1, DP_FORMAT_GRAY8, 1, tiny);
        LB_BAD(ctx, &bad, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = make_image(1 << 20, 1 << 20, DP_FORMAT_RGBAF32, 16, tiny);
        {
            dp_image big_depth = make_image(1 << 20, 1 << 20, DP_FORMAT_GRAYF32, 4, tiny);
            dp_image big_out = bad;
            EXPECT_ERROR(dp_lens_blur(ctx, &bad, &big_depth, &big_out, &lo, NULL, NULL), DP_ERROR_OUT_OF_MEMORY);
        }
        /* Sizes: out not of the image's size, depth larger than the image. */
        bad = make_image(LW - 1, LH, DP_FORMAT_RGBA8, 4, res8);
        LB_BAD(ctx, &li, &ld, &bad, &lo, DP_ERROR_INVALID_ARGUMENT);
        bad = make_image(LW, LH + 1, DP_FORMAT_GRAY8, 1, img8);
        LB_BAD(ctx, &li, &bad, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        /* Options: struct_size, then every value the header calls invalid. */
        lo.struct_size = 0;
        LB_BAD(ctx, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        lo.struct_size = offsetof(dp_lens_blur_options, full_resolution) - 4;
        LB_BAD(ctx, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        lo.struct_size = sizeof lo + 4;
        LB_BAD(ctx, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        lo.struct_size = sizeof lo;
#define LB_BAD_OPTION(field, value)                                                   \
        do {                                                                          \
            dp_lens_blur_options_default(&lo);                                        \
            lo.field = value;                                                         \
            EXPECT_ERROR(dp_lens_blur(ctx, &li, &ld, &lr, &lo, NULL, NULL), DP_ERROR_INVALID_ARGUMENT); \
            LB_UNTOUCHED(#field " = " #value);                                        \
        } while (0)
        LB_BAD_OPTION(focus, NAN);
        LB_BAD_OPTION(focus, INFINITY);
        LB_BAD_OPTION(focus, -INFINITY);
        LB_BAD_OPTION(aperture, -1.0f);
        LB_BAD_OPTION(aperture, NAN);
        LB_BAD_OPTION(aperture, INFINITY);
        LB_BAD_OPTION(blades, 1);
        LB_BAD_OPTION(blades, 2);
        LB_BAD_OPTION(blades, 13);
        LB_BAD_OPTION(blades, -3);
        LB_BAD_OPTION(rotation, NAN);
        LB_BAD_OPTION(rotation, INFINITY);
        LB_BAD_OPTION(highlight_threshold, -0.5f);
        LB_BAD_OPTION(highlight_threshold, NAN);
        LB_BAD_OPTION(highlight_gain, -1.0f);
        LB_BAD_OPTION(highlight_gain, NAN);
        LB_BAD_OPTION(max_near_radius, -1.0f);
        LB_BAD_OPTION(max_near_radius, DP_LENS_BLUR_MAX_RADIUS + 1.0f);
        LB_BAD_OPTION(max_near_radius, NAN);
        LB_BAD_OPTION(max_far_radius, -1.0f);
        LB_BAD_OPTION(max_far_radius, 1000.0f);
        LB_BAD_OPTION(max_far_radius, INFINITY);
        LB_BAD_OPTION(depth_near, 2);
        LB_BAD_OPTION(depth_near, -1);
        LB_BAD_OPTION(full_resolution, 2);
        LB_BAD_OPTION(full_resolution, -1);
#define LB_BAD_POINT(fx, fy)                                                          \
        do {                                                                          \
            dp_lens_blur_options_default(&lo);                                        \
            lo.focus_from_point = 1;                                                  \
            lo.focus_x = fx;                                                          \
            lo.focus_y = fy;                                                          \
            EXPECT_ERROR(dp_lens_blur(ctx, &li, &ld, &lr, &lo, NULL, NULL), DP_ERROR_INVALID_ARGUMENT); \
            LB_UNTOUCHED("focus point " #fx ", " #fy);                                \
        } while (0)
        LB_BAD_POINT(-0.6f, 3.0f);
        LB_BAD_POINT(LW - 0.4f, 3.0f);
        LB_BAD_POINT(3.0f, -1.0f);
        LB_BAD_POINT(3.0f, LH + 0.0f);
        LB_BAD_POINT(NAN, 3.0f);
        LB_BAD_POINT(3.0f, INFINITY);
        /* Allowed edge values succeed (the blades and radius bounds, the focus point on the image's edge). */
        dp_lens_blur_options_default(&lo);
        lo.blades = 12;
        lo.max_near_radius = 0.0f;
        lo.max_far_radius = DP_LENS_BLUR_MAX_RADIUS;
        lo.focus_from_point = 1;
        lo.focus_x = -0.5f;
        lo.focus_y = LH - 0.5f;
        lo.depth_near = DP_DEPTH_NEAR_BLACK;
        memcpy(other8, img8, sizeof other8);
        {
            dp_image oo = make_image(LW, LH, DP_FORMAT_RGBA8, 4, other8);
            EXPECT_OK(dp_lens_blur(ctx, &li, &ld, &oo, &lo, NULL, NULL));
        }
        /* A stale context. */
        {
            dp_context *gone = NULL;
            EXPECT_OK(dp_context_create(NULL, &gone));
            EXPECT_OK(dp_context_destroy(gone));
            dp_lens_blur_options_default(&lo);
            LB_BAD(gone, &li, &ld, &lr, &lo, DP_ERROR_INVALID_ARGUMENT);
        }

        /* Cancel through the progress callback: DP_ERROR_CANCELLED, honoured at the call that asked, out untouched. */
        dp_lens_blur_options_default(&lo);
        lo.focus = 0.0f;
        lo.aperture = 8.0f;
        calls = 0;
        EXPECT_ERROR(dp_lens_blur(ctx, &li, &ld, &lr, &lo, cancel_at_first, &calls), DP_ERROR_CANCELLED);
        CHECK(calls == 1, "cancel at the first call honoured after %d calls", calls);
        LB_UNTOUCHED("cancel at the first progress call");
        calls = 0;
        EXPECT_ERROR(dp_lens_blur(ctx, &li, &ld, &lr, &lo, cancel_at_second, &calls), DP_ERROR_CANCELLED);
        CHECK(calls == 2, "cancel at the second call honoured after %d calls", calls);
        LB_UNTOUCHED("cancel at the second progress call");
        /* In place: a cancelled blur leaves the shared image/out buffer as it was. */
        memcpy(other8, img8, sizeof other8);
        {
            dp_image io = make_image(LW, LH, DP_FORMAT_RGBA8, 4, other8);
            calls = 0;
            EXPECT_ERROR(dp_lens_blur(ctx, &io, &ld, &io, &lo, cancel_at_second, &calls), DP_ERROR_CANCELLED);
            CHECK(memcmp(other8, img8, sizeof other8) == 0, "a cancelled in-place lens blur modified the image");
        }
#undef LB_BAD_POINT
#undef LB_BAD_OPTION
#undef LB_BAD
#undef LB_UNTOUCHED
    }

    EXPECT_OK(dp_context_destroy(ctx));
    printf("abi_client: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
