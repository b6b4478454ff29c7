/*
 * vireo-agent: the Vireo guest agent. Listens on vsock port 52 and serves one request per connection (each in its
 * own forked process, so requests run concurrently): ping, exec, read-file, write-file, shutdown, time-sync, info.
 * It also watches /dev/input/event* for KEY_POWER and then shuts the guest down in order, as the shutdown request
 * does. The protocol is documented in docs/agent.md. The host is trusted; the agent runs as root because the default
 * guest has no other user. Static, libc only.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/input.h>
#include <linux/vm_sockets.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define AGENT_PORT 52
#define PROTOCOL_VERSION 1
#define MAX_FRAME (1u << 20)
#define CHUNK 65536

enum {
    FR_REQUEST = 0x01, FR_OK = 0x02, FR_ERROR = 0x7f,
    FR_STDIN = 0x10, FR_SIGNAL = 0x11, FR_RESIZE = 0x12,
    FR_STARTED = 0x20, FR_STDOUT = 0x21, FR_STDERR = 0x22, FR_EXIT = 0x23,
    FR_FILE_INFO = 0x30, FR_DATA = 0x31, FR_END = 0x32,
};

enum { OP_PING = 1, OP_EXEC = 2, OP_READ_FILE = 3, OP_WRITE_FILE = 4, OP_SHUTDOWN = 5, OP_TIME_SYNC = 6, OP_INFO = 7 };

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Frame: le32 length of what follows (type byte + payload), u8 type, payload. */
static int send_frame(int fd, int type, const void *payload, size_t len)
{
    unsigned char head[5];
    uint32_t total = (uint32_t)len + 1;
    head[0] = total & 0xff;
    head[1] = (total >> 8) & 0xff;
    head[2] = (total >> 16) & 0xff;
    head[3] = total >> 24;
    head[4] = (unsigned char)type;
    if (write_all(fd, head, 5) < 0)
        return -1;
    return len ? write_all(fd, payload, len) : 0;
}

/* Reads one frame into a malloc'd buffer; returns the type, or -1 at EOF or on a bad frame. */
static int recv_frame(int fd, unsigned char **payload, uint32_t *len)
{
    unsigned char head[5];
    if (read_all(fd, head, 5) < 0)
        return -1;
    uint32_t total = head[0] | (head[1] << 8) | (head[2] << 16) | ((uint32_t)head[3] << 24);
    if (total < 1 || total > MAX_FRAME + 1)
        return -1;
    *len = total - 1;
    *payload = malloc(*len + 1);
    if (!*payload)
        return -1;
    if (*len && read_all(fd, *payload, *len) < 0) {
        free(*payload);
        return -1;
    }
    (*payload)[*len] = 0;
    return head[4];
}

static void send_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_error(int fd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    send_frame(fd, FR_ERROR, msg, strlen(msg));
}

/* Little-endian reader over a request payload. */
struct reader {
    const unsigned char *p;
    uint32_t left;
    int bad;
};

static uint32_t get_u32(struct reader *r)
{
    if (r->left < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = r->p[0] | (r->p[1] << 8) | (r->p[2] << 16) | ((uint32_t)r->p[3] << 24);
    r->p += 4;
    r->left -= 4;
    return v;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | ((uint64_t)get_u32(r) << 32);
}

static unsigned get_u8(struct reader *r)
{
    if (r->left < 1) {
        r->bad = 1;
        return 0;
    }
    r->left--;
    return *r->p++;
}

/* A string: le32 length, bytes. Returns a malloc'd NUL-terminated copy. */
static char *get_str(struct reader *r)
{
    uint32_t n = get_u32(r);
    if (r->bad || n > r->left) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    r->left -= n;
    return s;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = v >> 24;
}

/* ---- orderly shutdown ---- */

static void run_shutdown_hooks(void)
{
    struct dirent **names;
    int n = scandir("/etc/shutdown.d", &names, NULL, alphasort);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "/etc/shutdown.d/%s", names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
            pid_t pid = fork();
            if (pid == 0) {
                execl(path, path, (char *)NULL);
                _exit(127);
            }
            if (pid > 0) {
                /* A hook gets 10 s; a stuck one must not keep the guest from powering off. */
                for (int t = 0; t < 100; t++) {
                    if (waitpid(pid, NULL, WNOHANG) == pid) {
                        pid = 0;
                        break;
                    }
                    usleep(100000);
                }
                if (pid > 0) {
                    kill(pid, SIGKILL);
                    waitpid(pid, NULL, 0);
                }
            }
        }
        free(names[i]);
    }
    free(names);
}

/*
 * Hooks, then sync, then tell init (SIGUSR1 power off, SIGUSR2 reboot: its trap runs once its foreground command
 * ends), then end every other process (TERM, 2 s, KILL); init's trap then syncs, remounts / read-only and powers off
 * with status 0. Never returns.
 */
static void orderly_shutdown(int reboot)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    run_shutdown_hooks();
    sync();
    kill(1, reboot ? SIGUSR2 : SIGUSR1);
    kill(-1, SIGTERM);
    for (int t = 0; t < 20; t++) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        usleep(100000);
    }
    kill(-1, SIGKILL);
    sync();
    for (;;)
        pause();
}

/* Watches every /dev/input/event* (rescanned every 2 s) for a KEY_POWER press. */
static void power_button_watch(void)
{
    int fds[32];
    char seen[32][256];
    int count = 0;
    for (;;) {
        DIR *dir = opendir("/dev/input");
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL && count < 32) {
            if (strncmp(e->d_name, "event", 5) != 0)
                continue;
            int known = 0;
            for (int i = 0; i < count; i++)
                known |= strcmp(seen[i], e->d_name) == 0;
            if (known)
                continue;
            char path[300];
            snprintf(path, sizeof path, "/dev/input/%s", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                fds[count] = fd;
                snprintf(seen[count], sizeof seen[count], "%s", e->d_name);
                count++;
            }
        }
        if (dir)
            closedir(dir);
        struct pollfd p[32];
        for (int i = 0; i < count; i++) {
            p[i].fd = fds[i];
            p[i].events = POLLIN;
        }
        if (poll(p, (nfds_t)count, 2000) <= 0)
            continue;
        for (int i = 0; i < count; i++) {
            struct input_event ev;
            if (!(p[i].revents & POLLIN))
                continue;
            if (read(fds[i], &ev, sizeof ev) == (ssize_t)sizeof ev && ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1)
                orderly_shutdown(0);
        }
    }
}

/* ---- exec ---- */

struct outbuf {
    unsigned char *data;
    size_t len;
    int eof;
};

static void op_exec(int sock, struct reader *r)
{
    uint32_t argc = get_u32(r);
    if (r->bad || argc == 0 || argc > 4096) {
        send_error(sock, "exec: argv must not be empty");
        return;
    }
    char **argv = calloc(argc + 1, sizeof *argv);
    for (uint32_t i = 0; i < argc; i++)
        argv[i] = get_str(r);
    uint32_t envc = get_u32(r);
    if (r->bad || envc > 4096) {
        send_error(sock, "exec: malformed request");
        return;
    }
    char **envp = calloc(envc + 1, sizeof *envp);
    for (uint32_t i = 0; i < envc; i++)
        envp[i] = get_str(r);
    char *cwd = get_str(r);
    unsigned tty = get_u8(r);
    unsigned rows = get_u32(r), cols = get_u32(r);
    if (r->bad) {
        send_error(sock, "exec: malformed request");
        return;
    }

    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, master = -1;
    if (tty) {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
            send_error(sock, "exec: cannot open a pty: %s", strerror(errno));
            return;
        }
        struct winsize ws = {.ws_row = (unsigned short)(rows ? rows : 24), .ws_col = (unsigned short)(cols ? cols : 80)};
        ioctl(master, TIOCSWINSZ, &ws);
    } else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        send_error(sock, "exec: pipe: %s", strerror(errno));
        return;
    }

    /* The child reports a failed chdir/exec through this pipe (closed on a successful exec). */
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) < 0) {
        send_error(sock, "exec: pipe: %s", strerror(errno));
        return;
    }
    char *slave = tty ? ptsname(master) : NULL;
    pid_t pid = fork();
    if (pid < 0) {
        send_error(sock, "exec: fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        setsid();
        signal(SIGPIPE, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        if (tty) {
            int s = open(slave, O_RDWR);
            if (s < 0)
                _exit(127);
            ioctl(s, TIOCSCTTY, 0);
            dup2(s, 0);
            dup2(s, 1);
            dup2(s, 2);
            if (s > 2)
                close(s);
        } else {
            dup2(in[0], 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
        }
        int e = 0;
        if (cwd[0] && chdir(cwd) < 0) {
            e = errno;
            char msg[600];
            snprintf(msg, sizeof msg, "exec: %s: %s", cwd, strerror(e));
            write_all(status_pipe[1], msg, strlen(msg));
            _exit(127);
        }
        if (envc > 0)
            execvpe(argv[0], argv, envp);
        else
            execvp(argv[0], argv);
        e = errno;
        char msg[600];
        snprintf(msg, sizeof msg, "exec: %s: %s", argv[0], strerror(e));
        write_all(status_pipe[1], msg, strlen(msg));
        _exit(127);
    }
    close(status_pipe[1]);
    char failure[600];
    ssize_t fl = read(status_pipe[0], failure, sizeof failure - 1);
    close(status_pipe[0]);
    if (fl > 0) {
        failure[fl] = 0;
        waitpid(pid, NULL, 0);
        send_frame(sock, FR_ERROR, failure, (size_t)fl);
        return;
    }

    int child_in, child_out, child_err;
    if (tty) {
        child_in = master;
        child_out = master;
        child_err = -1;
    } else {
        close(in[0]);
        close(out[1]);
        close(err[1]);
        child_in = in[1];
        child_out = out[0];
        child_err = err[0];
        fcntl(child_in, F_SETFL, O_NONBLOCK);
    }
    unsigned char started[4];
    put_u32(started, (uint32_t)pid);
    send_frame(sock, FR_STARTED, started, 4);

    /* stdin waiting to go to the child: the socket is read only while this is empty, so a child that does not read
     * stdin holds the host back through vsock credit instead of growing the agent. */
    struct outbuf pending = {0};
    size_t pending_off = 0;
    int stdin_eof = 0, sock_open = 1, out_open = 1, err_open = child_err >= 0;
    unsigned char *buf = malloc(CHUNK);
    while (out_open || err_open) {
        struct pollfd p[4];
        int n = 0, is = -1, io = -1, ie = -1, iw = -1;
        if (sock_open && pending.len == pending_off) {
            p[n].fd = sock;
            p[n].events = POLLIN;
            is = n++;
        }
        if (out_open) {
            p[n].fd = child_out;
            p[n].events = POLLIN;
            io = n++;
        }
        if (err_open) {
            p[n].fd = child_err;
            p[n].events = POLLIN;
            ie = n++;
        }
        if (!tty && child_in >= 0 && pending.len > pending_off) {
            p[n].fd = child_in;
            p[n].events = POLLOUT;
            iw = n++;
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (is >= 0 && p[is].revents) {
            unsigned char *payload;
            uint32_t len;
            int type = recv_frame(sock, &payload, &len);
            if (type < 0) {
                /* The host went away: nobody reads the output any more. */
                sock_open = 0;
                kill(-pid, SIGKILL);
            } else {
                if (type == FR_STDIN && !stdin_eof) {
                    if (len == 0) {
                        stdin_eof = 1;
                        if (tty) {
                            char eot = 4;
                            write_all(master, &eot, 1);
                        }
                        free(payload);
                    } else if (tty) {
                        write_all(master, payload, len);
                        free(payload);
                    } else {
                        free(pending.data);
                        pending.data = payload;
                        pending.len = len;
                        pending_off = 0;
                        payload = NULL;
                    }
                } else if (type == FR_SIGNAL && len >= 4) {
                    kill(-pid, (int)(payload[0] | (payload[1] << 8)));
                    free(payload);
                } else if (type == FR_RESIZE && len >= 8 && tty) {
                    struct winsize ws = {.ws_row = (unsigned short)(payload[0] | (payload[1] << 8)),
                                         .ws_col = (unsigned short)(payload[4] | (payload[5] << 8))};
                    ioctl(master, TIOCSWINSZ, &ws);
                    kill(-pid, SIGWINCH);
                    free(payload);
                } else {
                    free(payload);
                }
            }
        }
        if (iw >= 0 && (p[iw].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(child_in, pending.data + pending_off, pending.len - pending_off);
            if (w > 0) {
                pending_off += (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                /* The child closed stdin: drop the rest. */
                pending_off = pending.len;
                stdin_eof = 1;
            }
        }
        if (!tty && stdin_eof && pending.len == pending_off && child_in >= 0) {
            close(child_in);
            child_in = -1;
        }
        if (io >= 0 && p[io].revents) {
            ssize_t got = read(child_out, buf, CHUNK);
            if (got > 0) {
                if (sock_open && send_frame(sock, FR_STDOUT, buf, (size_t)got) < 0)
                    sock_open = 0;
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                out_open = 0;
            }
        }
        if (ie >= 0 && p[ie].revents) {
            ssize_t got = read(child_err, buf, CHUNK);
            if (got > 0) {
                if (sock_open && send_frame(sock, FR_STDERR, buf, (size_t)got) < 0)
                    sock_open = 0;
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                err_open = 0;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    unsigned char exit_frame[5];
    if (WIFSIGNALED(status)) {
        exit_frame[0] = 1;
        put_u32(exit_frame + 1, (uint32_t)WTERMSIG(status));
    } else {
        exit_frame[0] = 0;
        put_u32(exit_frame + 1, (uint32_t)WEXITSTATUS(status));
    }
    if (sock_open)
        send_frame(sock, FR_EXIT, exit_frame, 5);
}

/* ---- files ---- */

static void op_read_file(int sock, struct reader *r)
{
    char *path = get_str(r);
    if (r->bad) {
        send_error(sock, "read-file: malformed request");
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        send_error(sock, "%s: %s", path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        send_error(sock, "%s: %s", path, strerror(EISDIR));
        return;
    }
    unsigned char info[12];
    put_u32(info, st.st_mode & 07777);
    put_u32(info + 4, (uint32_t)st.st_size);
    put_u32(info + 8, (uint32_t)((uint64_t)st.st_size >> 32));
    send_frame(sock, FR_FILE_INFO, info, sizeof info);
    unsigned char *buf = malloc(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            send_error(sock, "%s: %s", path, strerror(errno));
            return;
        }
        if (n == 0)
            break;
        if (send_frame(sock, FR_DATA, buf, (size_t)n) < 0)
            return;
    }
    send_frame(sock, FR_END, NULL, 0);
}

static void op_write_file(int sock, struct reader *r)
{
    char *path = get_str(r);
    uint32_t mode = get_u32(r);
    if (r->bad || !path[0]) {
        send_error(sock, "write-file: malformed request");
        return;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        send_error(sock, "%s: %s", path, strerror(EISDIR));
        return;
    }
    /* A temporary file next to the target, renamed over it once complete and synced. */
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    snprintf(tmp, sizeof tmp, "%.*s.%s.vireo-XXXXXX", dirlen, path, slash ? slash + 1 : path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        send_error(sock, "%s: %s", path, strerror(errno));
        return;
    }
    fchmod(fd, mode & 07777);
    send_frame(sock, FR_OK, NULL, 0);
    for (;;) {
        unsigned char *payload;
        uint32_t len;
        int type = recv_frame(sock, &payload, &len);
        if (type == FR_DATA) {
            if (write_all(fd, payload, len) < 0) {
                send_error(sock, "%s: %s", path, strerror(errno));
                unlink(tmp);
                return;
            }
            free(payload);
            continue;
        }
        if (type == FR_END) {
            free(payload);
            break;
        }
        /* Connection gone or a bad frame: the target stays as it was. */
        unlink(tmp);
        return;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        send_error(sock, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    send_frame(sock, FR_OK, NULL, 0);
}

/* ---- info ---- */

struct text {
    char *s;
    size_t len, cap;
};

static void tput(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tput(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)n + 64;
        t->s = realloc(t->s, t->cap);
    }
}

static void tstr(struct text *t, const char *s)
{
    tput(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            tput(t, "\\%c", c);
        else if (c < 0x20)
            tput(t, "\\u%04x", c);
        else
            tput(t, "%c", c);
    }
    tput(t, "\"");
}

static long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':')
            v = atol(line + k + 1);
    if (f)
        fclose(f);
    return v;
}

static void op_info(int sock)
{
    struct text t = {malloc(4096), 0, 4096};
    struct utsname u;
    uname(&u);
    tput(&t, "{\"version\":%d,\"kernel\":", PROTOCOL_VERSION);
    tstr(&t, u.release);
    tput(&t, ",\"kernelVersion\":");
    tstr(&t, u.version);
    tput(&t, ",\"machine\":");
    tstr(&t, u.machine);
    tput(&t, ",\"hostname\":");
    tstr(&t, u.nodename);
    double uptime = 0, idle = 0;
    FILE *f = fopen("/proc/uptime", "r");
    if (f) {
        if (fscanf(f, "%lf %lf", &uptime, &idle) != 2)
            uptime = 0;
        fclose(f);
    }
    double l1 = 0, l5 = 0, l15 = 0;
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = l5 = l15 = 0;
        fclose(f);
    }
    tput(&t, ",\"uptimeSeconds\":%.2f,\"load\":[%.2f,%.2f,%.2f]", uptime, l1, l5, l15);
    tput(&t, ",\"memory\":{\"totalKiB\":%ld,\"availableKiB\":%ld,\"freeKiB\":%ld}", meminfo("MemTotal"),
         meminfo("MemAvailable"), meminfo("MemFree"));
    tput(&t, ",\"mounts\":[");
    f = fopen("/proc/mounts", "r");
    char dev[256], dir[256], type[64], opts[512];
    int first = 1;
    while (f && fscanf(f, "%255s %255s %63s %511s %*d %*d", dev, dir, type, opts) == 4) {
        tput(&t, "%s{\"device\":", first ? "" : ",");
        tstr(&t, dev);
        tput(&t, ",\"path\":");
        tstr(&t, dir);
        tput(&t, ",\"type\":");
        tstr(&t, type);
        tput(&t, ",\"options\":");
        tstr(&t, opts);
        tput(&t, "}");
        first = 0;
    }
    if (f)
        fclose(f);
    tput(&t, "],\"addresses\":[");
    struct ifaddrs *ifs, *i;
    first = 1;
    if (getifaddrs(&ifs) == 0) {
        for (i = ifs; i; i = i->ifa_next) {
            char host[INET6_ADDRSTRLEN];
            if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
                continue;
            const void *a = i->ifa_addr->sa_family == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
                                                              : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
            if (!inet_ntop(i->ifa_addr->sa_family, a, host, sizeof host))
                continue;
            tput(&t, "%s{\"interface\":", first ? "" : ",");
            tstr(&t, i->ifa_name);
            tput(&t, ",\"address\":");
            tstr(&t, host);
            tput(&t, "}");
            first = 0;
        }
        freeifaddrs(ifs);
    }
    tput(&t, "]}");
    send_frame(sock, FR_OK, t.s, t.len);
}

/* ---- one connection ---- */

static void serve(int sock)
{
    unsigned char *payload;
    uint32_t len;
    int type = recv_frame(sock, &payload, &len);
    if (type != FR_REQUEST || len < 2) {
        if (type >= 0)
            send_error(sock, "expected a request frame");
        return;
    }
    if (payload[0] != PROTOCOL_VERSION) {
        send_error(sock, "unsupported protocol version %u (this agent speaks %d)", payload[0], PROTOCOL_VERSION);
        return;
    }
    struct reader r = {payload + 2, len - 2, 0};
    switch (payload[1]) {
    case OP_PING: {
        const char *hello = "vireo-agent 1";
        send_frame(sock, FR_OK, hello, strlen(hello));
        break;
    }
    case OP_EXEC:
        op_exec(sock, &r);
        break;
    case OP_READ_FILE:
        op_read_file(sock, &r);
        break;
    case OP_WRITE_FILE:
        op_write_file(sock, &r);
        break;
    case OP_SHUTDOWN: {
        unsigned reboot = get_u8(&r);
        send_frame(sock, FR_OK, NULL, 0);
        close(sock);
        orderly_shutdown((int)reboot);
        break;
    }
    case OP_TIME_SYNC: {
        struct timespec ts;
        ts.tv_sec = (time_t)get_u64(&r);
        ts.tv_nsec = (long)get_u32(&r);
        if (r.bad || ts.tv_nsec >= 1000000000L)
            send_error(sock, "time-sync: malformed request");
        else if (clock_settime(CLOCK_REALTIME, &ts) < 0)
            send_error(sock, "time-sync: %s", strerror(errno));
        else
            send_frame(sock, FR_OK, NULL, 0);
        break;
    }
    case OP_INFO:
        op_info(sock);
        break;
    default:
        send_error(sock, "unknown operation %u", payload[1]);
        break;
    }
}

int main(void)
{
    /* Quiet: the console belongs to the guest's user. */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2)
            close(null);
    }
    setsid();
    signal(SIGPIPE, SIG_IGN);

    if (fork() == 0)
        power_button_watch();

    int listener = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = AGENT_PORT};
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 64) < 0) {
        /* No vsock device: only the power button is served. */
        for (;;)
            pause();
    }
    signal(SIGCHLD, SIG_IGN);
    for (;;) {
        int sock = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (sock < 0)
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            close(listener);
            signal(SIGCHLD, SIG_DFL);
            serve(sock);
            _exit(0);
        }
        close(sock);
    }
}
