#ifndef PEOPLE_API_CFASTCGI_SHIM_H
#define PEOPLE_API_CFASTCGI_SHIM_H
#include <fcgiapp.h>
/* epoll for the server's front door: Swift's Glibc module leaves it out. */
#include <sys/epoll.h>
#include <sys/prctl.h>

/* Names the calling thread for `top -H`, `ps -L` and `perf` (15 bytes at most); prctl is
   variadic, which Swift cannot call. */
static inline int people_api_name_this_thread(const char *name) {
    return prctl(PR_SET_NAME, name, 0, 0, 0);
}
#endif
