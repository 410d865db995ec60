#ifndef PEOPLE_API_CJANSSON_SHIM_H
#define PEOPLE_API_CJANSSON_SHIM_H
#include <jansson.h>

// json_error_code() is a static inline function over a char array; a plain function is
// simpler to call from Swift than reading the tuple that array imports as.
static inline int people_api_json_error_code(const json_error_t *error) {
    return (int)json_error_code(error);
}
#endif
