#ifndef PEOPLE_API_CFASTCGI_SHIM_H
#define PEOPLE_API_CFASTCGI_SHIM_H
#include <fcgiapp.h>
/* epoll for the server's front door: Swift's Glibc module leaves it out. */
#include <sys/epoll.h>
#endif
