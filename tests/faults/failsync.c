/* failsync: an LD_PRELOAD fault injector that makes fsync, fdatasync and
 * syncfs fail with EIO on demand, in a real, unmodified process.
 *
 *   LD_PRELOAD=.../libcc_failsync.so CC_FAILSYNC_TRIGGER=/tmp/x/armed confluentd
 *
 * CC_FAILSYNC_TRIGGER  path of a file; while that file exists every call
 *                      returns -1 with errno EIO (checked with access() at
 *                      each call, so a test arms and disarms the injector at
 *                      any moment by creating and removing the file). Unset:
 *                      never fails.
 * CC_FAILSYNC_PATH     optional path prefix; when set, only descriptors whose
 *                      path (readlink /proc/self/fd/N) starts with it fail,
 *                      e.g. STATE/collective/log/ or STATE/collective/hardstate
 *                      (which also matches the hardstate.tmp that
 *                      write_atomic syncs). Give the prefix as the kernel
 *                      names the file (no symlinks in it).
 *
 * Any other call goes to the real function (dlsym(RTLD_NEXT)); the injector
 * writes nothing and keeps no state, and errno is left as the real call
 * leaves it. A test tool (tests/faults/README.md), not a mock: the program
 * under test is the real binary. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* True when the call on `fd` must fail. */
static int armed_for(int fd) {
    const char* trigger = getenv("CC_FAILSYNC_TRIGGER");
    if (trigger == NULL || *trigger == '\0' || access(trigger, F_OK) != 0) return 0;
    const char* prefix = getenv("CC_FAILSYNC_PATH");
    if (prefix == NULL || *prefix == '\0') return 1;
    char link[64];
    char path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

typedef int (*sync_fn)(int);

/* Fails the call with EIO when armed, else calls the real `name`. */
static int sync_call(const char* name, int fd) {
    int saved = errno;
    if (armed_for(fd)) {
        errno = EIO;
        return -1;
    }
    errno = saved;
    sync_fn real = (sync_fn)dlsym(RTLD_NEXT, name);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd);
}

int fsync(int fd) {
    return sync_call("fsync", fd);
}

int fdatasync(int fd) {
    return sync_call("fdatasync", fd);
}

int syncfs(int fd) {
    return sync_call("syncfs", fd);
}
