#ifndef PEOPLE_API_CFASTCGI_SHIM_H
#define PEOPLE_API_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#endif
