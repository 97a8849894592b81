#ifndef TUG_LINUX_CALLS_H
#define TUG_LINUX_CALLS_H

// Linux calls Swift's Glibc module hides (GNU extensions, or variadic in C). Declared here and
// called directly, so that a statically linked `tug-shim` needs no dlsym to find them.
int unshare(int flags);
int setns(int fd, int nstype);
int prctl(int option, ...);

static inline int tug_unshare(int flags) { return unshare(flags); }
static inline int tug_setns(int fd, int nstype) { return setns(fd, nstype); }
static inline int tug_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

#endif
