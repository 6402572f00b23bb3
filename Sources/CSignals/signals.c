// The fatal-signal handlers of the decant command; see CSignals.h. Everything reachable from a handler is
// async-signal-safe: fixed slots read with atomic loads, write(2), unlink(2), open(2), getdents64, unlinkat(2),
// rmdir(2) and _exit(2).
#define _GNU_SOURCE
#include "CSignals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_FILLING = 1, SLOT_READY = 2 };
enum { MAPPING_SLOTS = 256, TEMPORARY_SLOTS = 64, MAPPING_NAME_BYTES = 512 };

struct mapping_slot {
    _Atomic int state;
    uintptr_t base;
    size_t length;
    char path[MAPPING_NAME_BYTES];  // for the message only, so a long path is cut rather than refused
};

struct temporary_slot {
    _Atomic int state;
    int is_directory;
    char path[PATH_MAX];
};

static struct mapping_slot mappings[MAPPING_SLOTS];
static struct temporary_slot temporaries[TEMPORARY_SLOTS];
/// Set by the first handler that ends the process; any later one (another thread, another signal) waits for
/// its `_exit` instead of writing a second line or removing the same files twice.
static _Atomic int ending;

static int claim(_Atomic int *state) {
    int expected = SLOT_FREE;
    return atomic_compare_exchange_strong(state, &expected, SLOT_FILLING);
}

int decant_mapping_register(const void *base, size_t length, const char *path) {
    for (int i = 0; i < MAPPING_SLOTS; i++) {
        if (!claim(&mappings[i].state)) continue;
        mappings[i].base = (uintptr_t)base;
        mappings[i].length = length;
        strncpy(mappings[i].path, path, MAPPING_NAME_BYTES - 1);
        mappings[i].path[MAPPING_NAME_BYTES - 1] = 0;
        atomic_store(&mappings[i].state, SLOT_READY);
        return i;
    }
    return -1;
}

void decant_mapping_unregister(int slot) {
    if (slot >= 0 && slot < MAPPING_SLOTS) atomic_store(&mappings[slot].state, SLOT_FREE);
}

int decant_temporary_register(const char *path, int is_directory) {
    if (strlen(path) >= PATH_MAX) return -1;
    for (int i = 0; i < TEMPORARY_SLOTS; i++) {
        if (!claim(&temporaries[i].state)) continue;
        temporaries[i].is_directory = is_directory;
        strcpy(temporaries[i].path, path);
        atomic_store(&temporaries[i].state, SLOT_READY);
        return i;
    }
    return -1;
}

void decant_temporary_unregister(int slot) {
    if (slot >= 0 && slot < TEMPORARY_SLOTS) atomic_store(&temporaries[slot].state, SLOT_FREE);
}

static void write_all(const char *bytes, size_t count) {
    while (count > 0) {
        ssize_t n = write(2, bytes, count);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        bytes += n;
        count -= (size_t)n;
    }
}

static void write_text(const char *text) { write_all(text, strlen(text)); }

/// Writes `text` with control bytes as \xNN, so a path cannot move the cursor or forge a second line.
static void write_escaped(const char *text) {
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            char escaped[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            write_all(escaped, 4);
        } else {
            write_all((const char *)p, 1);
        }
    }
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/// Empties and removes a temporary folder of plain files (opendir/readdir may allocate; getdents64 does not).
static void remove_directory(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        char buffer[4096] __attribute__((aligned(8)));
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
            if (n <= 0) break;
            for (long at = 0; at < n;) {
                struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + at);
                at += entry->d_reclen;
                const char *name = entry->d_name;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
                unlinkat(fd, name, 0);  // a folder inside is not ours to remove: it stays, and so does the parent
            }
        }
        close(fd);
    }
    rmdir(path);
}

static void remove_temporaries(void) {
    for (int i = 0; i < TEMPORARY_SLOTS; i++) {
        if (atomic_load(&temporaries[i].state) != SLOT_READY) continue;
        if (temporaries[i].is_directory) remove_directory(temporaries[i].path);
        else unlink(temporaries[i].path);
    }
}

static void wait_for_exit(void) {
    for (;;) pause();
}

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
    }
}

static void on_stop_signal(int sig) {
    if (atomic_exchange(&ending, 1)) wait_for_exit();
    remove_temporaries();
    write_text("error: stopped by ");
    write_text(signal_name(sig));
    write_text("\n");
    _exit(128 + sig);
}

static void on_bus_error(int sig, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    if (info->si_code > 0) {  // a fault, not a kill(2)
        for (int i = 0; i < MAPPING_SLOTS; i++) {
            if (atomic_load(&mappings[i].state) != SLOT_READY) continue;
            if (address < mappings[i].base || address - mappings[i].base >= mappings[i].length) continue;
            if (atomic_exchange(&ending, 1)) wait_for_exit();
            remove_temporaries();
            write_text("error: ");
            write_escaped(mappings[i].path);
            write_text(" shrank while being read\n");
            _exit(DECANT_EXIT_INPUT_SHRANK);
        }
    }
    // Not an input that shrank: take the default action. Returning re-runs the faulting access, which now
    // ends the process with SIGBUS (and a core) as it would have without this handler.
    signal(sig, SIG_DFL);
    if (info->si_code <= 0) raise(sig);
}

void decant_signals_install(void) {
    struct sigaction stop;
    memset(&stop, 0, sizeof stop);
    stop.sa_handler = on_stop_signal;
    sigfillset(&stop.sa_mask);
    const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        struct sigaction inherited;
        // A signal the parent ignores (nohup's SIGHUP, SIGINT of a background job) stays ignored.
        if (sigaction(stop_signals[i], NULL, &inherited) == 0 && inherited.sa_handler == SIG_IGN) continue;
        sigaction(stop_signals[i], &stop, NULL);
    }

    struct sigaction bus;
    memset(&bus, 0, sizeof bus);
    bus.sa_sigaction = on_bus_error;
    bus.sa_flags = SA_SIGINFO;
    sigfillset(&bus.sa_mask);
    sigaction(SIGBUS, &bus, NULL);

    // A mask is inherited through exec, and a threaded parent (a test runner, a service manager's helper) can
    // leave these blocked by accident, which would make the handlers above wait forever. Unblocked here, before
    // any other thread exists, for every thread the process will start. An ignored disposition is deliberate and
    // was kept above; a blocked mask is not.
    sigset_t handled;
    sigemptyset(&handled);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) sigaddset(&handled, stop_signals[i]);
    sigaddset(&handled, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}
