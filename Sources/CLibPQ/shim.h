#ifndef PEOPLE_API_CLIBPQ_SHIM_H
#define PEOPLE_API_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
