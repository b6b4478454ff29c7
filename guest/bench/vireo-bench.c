/*
 * vireo-bench: guest-side benchmark workloads for the Vireo hypervisor.
 *
 *   vireo-bench WORKLOAD [ITERATIONS]     WORKLOAD: int mem branch fp syscall pagefault all
 *   vireo-bench DISK-WORKLOAD DEVICE [ITERATIONS]
 *                                         DISK-WORKLOAD: disk-seqwrite disk-seqread (ITERATIONS = MiB, 1 MiB
 *                                         requests), disk-randwrite disk-randread (ITERATIONS = 4 KiB requests at
 *                                         random offsets in the first 64 MiB), disk (all four in that order).
 *                                         O_DIRECT on DEVICE (its content is overwritten); writes end with fsync.
 *
 * Each workload prints one line:  vireo-bench <name> <iterations> <elapsed_ms> <checksum>
 * The checksum depends only on the workload and the iteration count, so a host can check that an emulator
 * computed the right result as well as how fast it did (elapsed time from CLOCK_MONOTONIC).
 * Built static for riscv64 (-O2) and installed in the guest as /bin/vireo-bench.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the optimiser from deleting work whose result is otherwise unused. */
static volatile uint64_t g_sink;

/* ---- int: list processing, matrix multiply, state machine, CRC (CoreMark-like mix) ---- */

#define LIST_NODES 128
#define MATRIX_N 12
#define TEXT_LEN 256

struct node {
    struct node *next;
    int32_t value;
};

static uint16_t crc16_update(uint16_t crc, uint8_t byte)
{
    crc ^= byte;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_update(crc, (uint8_t)(v >> (8 * i)));
    return crc;
}

static struct node *list_reverse(struct node *head)
{
    struct node *prev = NULL;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Insertion sort by value: pointer chasing with data-dependent branches. */
static struct node *list_sort(struct node *head)
{
    struct node *sorted = NULL;
    while (head) {
        struct node *n = head;
        head = head->next;
        struct node **slot = &sorted;
        while (*slot && (*slot)->value < n->value)
            slot = &(*slot)->next;
        n->next = *slot;
        *slot = n;
    }
    return sorted;
}

/* Classifies characters of a numeric-looking text; returns the number of well-formed numbers. */
static uint32_t scan_numbers(const char *text, size_t len)
{
    enum { START, INT, FRAC, EXP_SIGN, EXP, BAD } state = START;
    uint32_t good = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? text[i] : ',';
        if (c == ',') {
            if (state == INT || state == FRAC || state == EXP)
                good++;
            state = START;
            continue;
        }
        switch (state) {
        case START:
            state = (c >= '0' && c <= '9') || c == '-' ? INT : BAD;
            break;
        case INT:
            state = c == '.' ? FRAC : (c >= '0' && c <= '9') ? INT : (c == 'e') ? EXP_SIGN : BAD;
            break;
        case FRAC:
            state = (c >= '0' && c <= '9') ? FRAC : (c == 'e') ? EXP_SIGN : BAD;
            break;
        case EXP_SIGN:
            state = (c == '-' || c == '+' || (c >= '0' && c <= '9')) ? EXP : BAD;
            break;
        case EXP:
            state = (c >= '0' && c <= '9') ? EXP : BAD;
            break;
        case BAD:
            break;
        }
    }
    return good;
}

static uint64_t bench_int(uint64_t iterations)
{
    static struct node nodes[LIST_NODES];
    static int32_t a[MATRIX_N][MATRIX_N], b[MATRIX_N][MATRIX_N], c[MATRIX_N][MATRIX_N];
    static char text[TEXT_LEN];
    static const char alphabet[] = "0123456789.-e+,x";
    uint32_t seed = 12345;
    uint16_t crc = 0;

    for (uint64_t it = 0; it < iterations; it++) {
        /* Re-seed the inputs from the running CRC so every iteration depends on the previous one. */
        seed = seed * 1103515245u + 12345u + crc;
        uint32_t x = seed;
        for (int i = 0; i < LIST_NODES; i++) {
            x = x * 1664525u + 1013904223u;
            nodes[i].value = (int32_t)(x >> 8) % 1000;
            nodes[i].next = i + 1 < LIST_NODES ? &nodes[i + 1] : NULL;
        }
        struct node *head = list_sort(list_reverse(&nodes[0]));
        for (struct node *n = head; n; n = n->next)
            crc = crc16_u32(crc, (uint32_t)n->value);

        for (int i = 0; i < MATRIX_N; i++)
            for (int j = 0; j < MATRIX_N; j++) {
                x = x * 1664525u + 1013904223u;
                a[i][j] = (int32_t)(x >> 20) - 2048;
                b[i][j] = (int32_t)((x >> 4) & 0xff) - 128;
            }
        for (int i = 0; i < MATRIX_N; i++)
            for (int j = 0; j < MATRIX_N; j++) {
                int32_t sum = 0;
                for (int k = 0; k < MATRIX_N; k++)
                    sum += a[i][k] * b[k][j];
                c[i][j] = sum;
            }
        for (int i = 0; i < MATRIX_N; i++)
            crc = crc16_u32(crc, (uint32_t)c[i][(i + it) % MATRIX_N]);

        for (int i = 0; i < TEXT_LEN; i++) {
            x = x * 1664525u + 1013904223u;
            text[i] = alphabet[(x >> 16) & 15];
        }
        crc = crc16_u32(crc, scan_numbers(text, TEXT_LEN));
    }
    return crc;
}

/* ---- mem: fill, copy and read a buffer larger than typical caches ---- */

#define MEM_BYTES (8u << 20)

static uint64_t bench_mem(uint64_t iterations)
{
    uint64_t *src = malloc(MEM_BYTES);
    uint64_t *dst = malloc(MEM_BYTES);
    if (!src || !dst) {
        fprintf(stderr, "vireo-bench: out of memory\n");
        exit(1);
    }
    size_t words = MEM_BYTES / sizeof(uint64_t);
    uint64_t sum = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        memset(src, (int)(it & 0xff), MEM_BYTES);
        src[it % words] = it;
        memcpy(dst, src, MEM_BYTES);
        for (size_t i = 0; i < words; i += 1)
            sum += dst[i] ^ i;
    }
    free(src);
    free(dst);
    return sum;
}

/* ---- branch: data-dependent, hard-to-predict branches ---- */

static uint64_t bench_branch(uint64_t iterations)
{
    uint64_t x = 0x9E3779B97F4A7C15u, count = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        for (int i = 0; i < 4096; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (x & 1)
                count += 3;
            else if (x & 2)
                count ^= x >> 32;
            else if ((x & 12) == 4)
                count -= 1;
            else
                count += (x >> 60);
        }
    }
    return count;
}

/* ---- fp: n-body simulation (double precision, sqrt) ---- */

#define BODIES 5

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static uint64_t bench_fp(uint64_t iterations)
{
    const double pi = 3.141592653589793, solar = 4 * pi * pi, days = 365.24;
    struct body b[BODIES] = {
        {0, 0, 0, 0, 0, 0, solar},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03 * days,
         7.69901118419740425e-03 * days, -6.90460016972063023e-05 * days, 9.54791938424326609e-04 * solar},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03 * days,
         4.99852801234917238e-03 * days, 2.30417297573763929e-05 * days, 2.85885980666130812e-04 * solar},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03 * days,
         2.37847173959480950e-03 * days, -2.96589568540237556e-05 * days, 4.36624404335156298e-05 * solar},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03 * days,
         1.62824170038242295e-03 * days, -9.51592254519715870e-05 * days, 5.15138902046611451e-05 * solar},
    };
    const double dt = 0.01;
    for (uint64_t it = 0; it < iterations; it++) {
        for (int i = 0; i < BODIES; i++)
            for (int j = i + 1; j < BODIES; j++) {
                double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * __builtin_sqrt(d2));
                b[i].vx -= dx * b[j].mass * mag;
                b[i].vy -= dy * b[j].mass * mag;
                b[i].vz -= dz * b[j].mass * mag;
                b[j].vx += dx * b[i].mass * mag;
                b[j].vy += dy * b[i].mass * mag;
                b[j].vz += dz * b[i].mass * mag;
            }
        for (int i = 0; i < BODIES; i++) {
            b[i].x += dt * b[i].vx;
            b[i].y += dt * b[i].vy;
            b[i].z += dt * b[i].vz;
        }
    }
    double e = 0;
    for (int i = 0; i < BODIES; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    /* Energy in nano-units as an integer: exact IEEE arithmetic makes it the same on every correct FPU. */
    return (uint64_t)(int64_t)(e * 1e9);
}

/* ---- syscall: fork + exec + wait ---- */

#define NOOP_STATUS 7

static uint64_t bench_syscall(uint64_t iterations, const char *self)
{
    uint64_t sum = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "vireo-bench: fork: %s\n", strerror(errno));
            exit(1);
        }
        if (pid == 0) {
            execl("/proc/self/exe", "vireo-bench", "noop", (char *)NULL);
            execl(self, "vireo-bench", "noop", (char *)NULL);
            _exit(127);
        }
        int status = 0;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
            fprintf(stderr, "vireo-bench: child did not exit normally\n");
            exit(1);
        }
        sum += (uint64_t)WEXITSTATUS(status);
    }
    return sum;
}

/* ---- pagefault: map fresh anonymous memory and touch every page ---- */

#define FAULT_BYTES (4u << 20)

static uint64_t bench_pagefault(uint64_t iterations)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t sum = 0;
    for (uint64_t it = 0; it < iterations; it++) {
        unsigned char *p = mmap(NULL, FAULT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "vireo-bench: mmap: %s\n", strerror(errno));
            exit(1);
        }
        for (size_t off = 0; off < FAULT_BYTES; off += (size_t)page) {
            p[off] = (unsigned char)(off >> 12);
            sum += p[off] + 1u;
        }
        munmap(p, FAULT_BYTES);
    }
    return sum;
}

/* ---- alloc: take MIB of anonymous memory, touch every page, hold it, give it back (memory manager tests) ---- */

static int alloc_main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: vireo-bench alloc MIB [HOLD_SECONDS]\n");
        return 2;
    }
    char *end = NULL;
    uint64_t mib = strtoull(argv[2], &end, 10);
    if (!end || *end != '\0' || mib == 0) {
        fprintf(stderr, "vireo-bench: bad size '%s'\n", argv[2]);
        return 2;
    }
    uint64_t hold = argc == 4 ? strtoull(argv[3], NULL, 10) : 0;
    size_t bytes = (size_t)mib << 20;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t start = now_ns(), sum = 0;
    unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "vireo-bench: mmap %llu MiB: %s\n", (unsigned long long)mib, strerror(errno));
        return 1;
    }
    for (size_t off = 0; off < bytes; off += (size_t)page) {
        p[off] = (unsigned char)((off >> 12) | 1u);
        sum += p[off];
    }
    printf("vireo-bench alloc %llu %llu %llu\n", (unsigned long long)mib, (unsigned long long)((now_ns() - start) / 1000000u),
           (unsigned long long)sum);
    fflush(stdout);
    if (hold)
        sleep((unsigned)hold);
    munmap(p, bytes);
    return 0;
}

/* ---- disk: O_DIRECT sequential and random I/O on a block device ---- */

#define DISK_SEQ_BLOCK (1u << 20)
#define DISK_RAND_BLOCK 4096u
#define DISK_RAND_REGION (64ull << 20)

static unsigned char *s_disk_buffer;

static int disk_open(const char *device, int write)
{
    int fd = open(device, (write ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (fd < 0) {
        fprintf(stderr, "vireo-bench: %s: %s\n", device, strerror(errno));
        exit(1);
    }
    if (!s_disk_buffer && posix_memalign((void **)&s_disk_buffer, 4096, DISK_SEQ_BLOCK) != 0) {
        fprintf(stderr, "vireo-bench: out of memory\n");
        exit(1);
    }
    return fd;
}

static void disk_fail(const char *what, uint64_t offset)
{
    fprintf(stderr, "vireo-bench: %s at %llu: %s\n", what, (unsigned long long)offset, strerror(errno));
    exit(1);
}

/* Every 4 KiB sector of a block starts with a word naming its disk offset and the writer, so the reads can check
 * they got the right data by summing those words only (the rest of the buffer is left as is: the guest CPU cost
 * must stay small next to the I/O). */
static void disk_stamp(unsigned char *buffer, size_t length, uint64_t offset, uint64_t salt)
{
    for (size_t at = 0; at < length; at += 4096) {
        uint64_t word = (offset + at) ^ salt;
        memcpy(buffer + at, &word, sizeof word);
    }
}

static uint64_t disk_sum(const unsigned char *buffer, size_t length)
{
    uint64_t sum = 0;
    for (size_t at = 0; at < length; at += 4096) {
        uint64_t word;
        memcpy(&word, buffer + at, sizeof word);
        sum += word;
    }
    return sum;
}

static uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static uint64_t bench_disk(const char *name, const char *device, uint64_t iterations)
{
    int sequential = strstr(name, "seq") != NULL, write = strstr(name, "write") != NULL;
    int fd = disk_open(device, write);
    uint64_t sum = 0, state = 0x2545F4914F6CDD1Dull;
    size_t block = sequential ? DISK_SEQ_BLOCK : DISK_RAND_BLOCK;
    for (uint64_t i = 0; i < iterations; i++) {
        uint64_t offset = sequential ? i * DISK_SEQ_BLOCK : (xorshift64(&state) % (DISK_RAND_REGION / DISK_RAND_BLOCK)) * DISK_RAND_BLOCK;
        if (write) {
            disk_stamp(s_disk_buffer, block, offset, sequential ? 0x5e90ull : 0x7a4dull);
            if (pwrite(fd, s_disk_buffer, block, (off_t)offset) != (ssize_t)block)
                disk_fail("write", offset);
            sum += disk_sum(s_disk_buffer, block);
        } else {
            if (pread(fd, s_disk_buffer, block, (off_t)offset) != (ssize_t)block)
                disk_fail("read", offset);
            sum += disk_sum(s_disk_buffer, block);
        }
    }
    if (write && fsync(fd) != 0)
        disk_fail("fsync", 0);
    close(fd);
    return sum;
}

static int run_disk(const char *name, const char *device, uint64_t iterations)
{
    int sequential = strstr(name, "seq") != NULL;
    if (!iterations)
        iterations = sequential ? 64 : 2048;
    uint64_t start = now_ns();
    uint64_t checksum = bench_disk(name, device, iterations);
    uint64_t elapsed_ms = (now_ns() - start) / 1000000u;
    printf("vireo-bench %s %llu %llu %llu\n", name, (unsigned long long)iterations, (unsigned long long)elapsed_ms,
           (unsigned long long)checksum);
    fflush(stdout);
    return 0;
}

/* ---- driver ---- */

struct workload {
    const char *name;
    uint64_t default_iterations;
};

static const struct workload s_workloads[] = {
    {"int", 2000}, {"mem", 8}, {"branch", 2000}, {"fp", 200000}, {"syscall", 100}, {"pagefault", 50},
};

static int run(const char *name, uint64_t iterations, const char *self)
{
    uint64_t start = now_ns(), checksum;
    if (strcmp(name, "int") == 0)
        checksum = bench_int(iterations);
    else if (strcmp(name, "mem") == 0)
        checksum = bench_mem(iterations);
    else if (strcmp(name, "branch") == 0)
        checksum = bench_branch(iterations);
    else if (strcmp(name, "fp") == 0)
        checksum = bench_fp(iterations);
    else if (strcmp(name, "syscall") == 0)
        checksum = bench_syscall(iterations, self);
    else if (strcmp(name, "pagefault") == 0)
        checksum = bench_pagefault(iterations);
    else
        return 2;
    uint64_t elapsed_ms = (now_ns() - start) / 1000000u;
    g_sink = checksum;
    printf("vireo-bench %s %llu %llu %llu\n", name, (unsigned long long)iterations, (unsigned long long)elapsed_ms,
           (unsigned long long)checksum);
    fflush(stdout);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: vireo-bench int|mem|branch|fp|syscall|pagefault|all [ITERATIONS]\n"
                    "       vireo-bench disk|disk-seqwrite|disk-seqread|disk-randwrite|disk-randread DEVICE [ITERATIONS]\n");
}

static int disk_main(int argc, char **argv)
{
    static const char *const names[] = {"disk-seqwrite", "disk-seqread", "disk-randwrite", "disk-randread"};
    if (argc < 3 || argc > 4) {
        usage();
        return 2;
    }
    uint64_t iterations = 0;
    if (argc == 4) {
        char *end = NULL;
        iterations = strtoull(argv[3], &end, 10);
        if (!end || *end != '\0' || iterations == 0) {
            fprintf(stderr, "vireo-bench: bad iteration count '%s'\n", argv[3]);
            return 2;
        }
    }
    int all = strcmp(argv[1], "disk") == 0, found = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (all || strcmp(argv[1], names[i]) == 0) {
            found = 1;
            run_disk(names[i], argv[2], iterations);
        }
    }
    if (!found) {
        fprintf(stderr, "vireo-bench: unknown workload '%s'\n", argv[1]);
        usage();
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "noop") == 0)
        return NOOP_STATUS; /* the child of the syscall workload */
    if (argc >= 2 && strcmp(argv[1], "alloc") == 0)
        return alloc_main(argc, argv);
    if (argc >= 2 && strncmp(argv[1], "disk", 4) == 0)
        return disk_main(argc, argv);
    if (argc < 2 || argc > 3) {
        usage();
        return 2;
    }
    uint64_t iterations = 0;
    if (argc == 3) {
        char *end = NULL;
        iterations = strtoull(argv[2], &end, 10);
        if (!end || *end != '\0' || iterations == 0) {
            fprintf(stderr, "vireo-bench: bad iteration count '%s'\n", argv[2]);
            return 2;
        }
    }
    size_t count = sizeof(s_workloads) / sizeof(s_workloads[0]);
    int all = strcmp(argv[1], "all") == 0, found = 0;
    for (size_t i = 0; i < count; i++) {
        if (all || strcmp(argv[1], s_workloads[i].name) == 0) {
            found = 1;
            run(s_workloads[i].name, iterations ? iterations : s_workloads[i].default_iterations, argv[0]);
        }
    }
    if (!found) {
        fprintf(stderr, "vireo-bench: unknown workload '%s'\n", argv[1]);
        usage();
        return 2;
    }
    return 0;
}
