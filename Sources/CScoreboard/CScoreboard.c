// Everything is inline in include/CScoreboard.h; a C target needs one source file.
#include "CScoreboard.h"
